"""Waivers: a compliance officer's signed-off exceptions, read from `waivers.toml`.

```toml
[[waiver]]
control = "session-retention"     # a control id
event_id = "a-000123"             # the row it matches (event_id or request_id) ... or
# user_id = "u-0042"              # ... every finding of the control about this user
reason = "Backup restore test; copy purged by hand on 2026-10-05"
approved_by = "Jane Doe, DPO"
expires = 2026-12-31              # applies through this day (UTC), judged at the audit's as_of

[[gap]]                           # acknowledges every gap in access_events lying within [start, end]
start = 2026-10-28T00:00:00Z      # timestamps with an offset
end = 2026-11-01T00:00:00Z
reason = "Export of the last days of October lost; re-requested from Microsoft, ticket 4711"
approved_by = "Jane Doe, DPO"
expires = 2026-12-31
```
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from auditor.db import iso
from auditor.errors import AuditorError
from auditor.files import read_regular

KEYS = {"control", "event_id", "user_id", "reason", "approved_by", "expires"}
GAP_KEYS = {"start", "end", "reason", "approved_by", "expires"}


def _active(expires: date, as_of: datetime) -> bool:
    """Whether an entry expiring on `expires` still applies at as_of (it covers its whole expiry day, UTC)."""
    return as_of < datetime.combine(expires + timedelta(days=1), time(), tzinfo=timezone.utc)


@dataclass(frozen=True)
class Waiver:
    control: str
    event_id: str | None
    user_id: str | None
    reason: str
    approved_by: str
    expires: date

    def active_at(self, as_of: datetime) -> bool:
        return _active(self.expires, as_of)

    def as_dict(self) -> dict[str, str | None]:
        data = asdict(self)
        data["expires"] = self.expires.isoformat()
        return data


@dataclass(frozen=True)
class GapAcknowledgement:
    """A compliance officer's word that the logs of [start, end] are known to be missing."""

    start: datetime
    end: datetime
    reason: str
    approved_by: str
    expires: date

    def active_at(self, as_of: datetime) -> bool:
        return _active(self.expires, as_of)

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether a gap [start, end] lies entirely within this entry."""
        return self.start <= start and end <= self.end

    def as_dict(self) -> dict[str, str]:
        return {"start": iso(self.start) or "", "end": iso(self.end) or "", "reason": self.reason,
                "approved_by": self.approved_by, "expires": self.expires.isoformat()}


@dataclass(frozen=True)
class WaiverFile:
    """The waivers a check applies, and the SHA-256 and bytes of their file (None: no file)."""

    waivers: list[Waiver] = field(default_factory=list)
    sha256: str | None = None
    raw: bytes | None = None
    gaps: list[GapAcknowledgement] = field(default_factory=list)

    def at(self, as_of: datetime) -> tuple[list[Waiver], list[Waiver]]:
        """The waivers active at as_of, and those expired by then."""
        return [w for w in self.waivers if w.active_at(as_of)], [w for w in self.waivers if not w.active_at(as_of)]

    def gaps_at(self, as_of: datetime) -> tuple[list[GapAcknowledgement], list[GapAcknowledgement]]:
        """The gap acknowledgements active at as_of, and those expired by then."""
        return [g for g in self.gaps if g.active_at(as_of)], [g for g in self.gaps if not g.active_at(as_of)]


def load_waivers(path: Path | None, control_ids: set[str]) -> WaiverFile:
    """The waivers in `path` (none without a path); any mistake is an error naming the waiver.

    The file is read once: the bytes an evidence pack holds are the ones whose hash the run records.
    """
    if path is None:
        return WaiverFile()
    try:
        raw = read_regular(path, "waivers file")
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise AuditorError(f"{path}: waivers file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AuditorError(f"{path}: not valid TOML: {exc}") from None
    unknown_top = set(data) - {"waiver", "gap"}
    if unknown_top:
        raise AuditorError(f"{path}: unknown key {sorted(unknown_top)[0]!r} (write each waiver as [[waiver]], "
                           "each acknowledged gap as [[gap]])")
    waivers = []
    for n, item in enumerate(data.get("waiver", []), start=1):
        where = f"{path}: waiver {n}"
        extra = set(item) - KEYS
        if extra:
            raise AuditorError(f"{where}: unknown key {sorted(extra)[0]!r}")
        for key in ("control", "reason", "approved_by", "expires"):
            if not item.get(key):
                raise AuditorError(f"{where}: {key} is required")
        if item["control"] not in control_ids:
            raise AuditorError(f"{where}: unknown control {item['control']!r}")
        if bool(item.get("event_id")) == bool(item.get("user_id")):
            raise AuditorError(f"{where}: give exactly one of event_id or user_id")
        expires = _expiry(where, item["expires"])
        waivers.append(
            Waiver(
                control=item["control"],
                event_id=str(item["event_id"]).strip() if item.get("event_id") else None,
                user_id=str(item["user_id"]).strip() if item.get("user_id") else None,
                reason=str(item["reason"]),
                approved_by=str(item["approved_by"]),
                expires=expires,
            )
        )
    gaps = [_gap(f"{path}: gap {n}", item) for n, item in enumerate(data.get("gap", []), start=1)]
    return WaiverFile(waivers, hashlib.sha256(raw).hexdigest(), raw, gaps)


def _expiry(where: str, expires: object) -> date:
    if isinstance(expires, datetime) or not isinstance(expires, date):
        raise AuditorError(f"{where}: expires must be a date, e.g. 2026-12-31")
    return expires


def _gap(where: str, item: dict[str, object]) -> GapAcknowledgement:
    extra = set(item) - GAP_KEYS
    if extra:
        raise AuditorError(f"{where}: unknown key {sorted(extra)[0]!r}")
    for key in sorted(GAP_KEYS):
        if not item.get(key):
            raise AuditorError(f"{where}: {key} is required")
    bounds = []
    for key in ("start", "end"):
        value = item[key]
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise AuditorError(f"{where}: {key} must be a timestamp with an offset, e.g. 2026-10-28T00:00:00Z")
        bounds.append(value.astimezone(timezone.utc))
    if bounds[1] <= bounds[0]:
        raise AuditorError(f"{where}: end is not after start")
    return GapAcknowledgement(bounds[0], bounds[1], str(item["reason"]), str(item["approved_by"]),
                              _expiry(where, item["expires"]))
