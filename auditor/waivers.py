"""Waivers: a compliance officer's signed-off exceptions, read from `waivers.toml`.

```toml
[[waiver]]
control = "session-retention"     # a control id
event_id = "a-000123"             # the row it matches (event_id or request_id) ... or
# user_id = "u-0042"              # ... every finding of the control about this user
reason = "Backup restore test; copy purged by hand on 2026-10-05"
approved_by = "Jane Doe, DPO"
expires = 2026-12-31              # applies through this day (UTC), judged at the audit's as_of
```
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from auditor.errors import AuditorError

KEYS = {"control", "event_id", "user_id", "reason", "approved_by", "expires"}


@dataclass(frozen=True)
class Waiver:
    control: str
    event_id: str | None
    user_id: str | None
    reason: str
    approved_by: str
    expires: date

    def active_at(self, as_of: datetime) -> bool:
        """Whether the waiver still applies at as_of (it covers its whole expiry day, UTC)."""
        return as_of < datetime.combine(self.expires + timedelta(days=1), time(), tzinfo=timezone.utc)

    def as_dict(self) -> dict[str, str | None]:
        data = asdict(self)
        data["expires"] = self.expires.isoformat()
        return data


@dataclass(frozen=True)
class WaiverFile:
    """The waivers a check applies, and the SHA-256 and bytes of their file (None: no file)."""

    waivers: list[Waiver] = field(default_factory=list)
    sha256: str | None = None
    raw: bytes | None = None

    def at(self, as_of: datetime) -> tuple[list[Waiver], list[Waiver]]:
        """The waivers active at as_of, and those expired by then."""
        return [w for w in self.waivers if w.active_at(as_of)], [w for w in self.waivers if not w.active_at(as_of)]


def load_waivers(path: Path | None, control_ids: set[str]) -> WaiverFile:
    """The waivers in `path` (none without a path); any mistake is an error naming the waiver.

    The file is read once: the bytes an evidence pack holds are the ones whose hash the run records.
    """
    if path is None:
        return WaiverFile()
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise AuditorError(f"{path}: waivers file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AuditorError(f"{path}: not valid TOML: {exc}") from None
    unknown_top = set(data) - {"waiver"}
    if unknown_top:
        raise AuditorError(f"{path}: unknown key {sorted(unknown_top)[0]!r} (write each waiver as [[waiver]])")
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
        expires = item["expires"]
        if isinstance(expires, datetime) or not isinstance(expires, date):
            raise AuditorError(f"{where}: expires must be a date, e.g. 2026-12-31")
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
    return WaiverFile(waivers, hashlib.sha256(raw).hexdigest(), raw)
