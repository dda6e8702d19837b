"""Coverage: the evidence under the window a run judges, and the gaps in it.

A verdict is never stronger than its evidence. access_events is the activity log, so a silence
in it is either a quiet organisation or missing logs; this module says which silences the audit
cannot explain (gaps), per the rules in docs/verdicts.md. The SQL is in queries/coverage/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from auditor.config import Config
from auditor.db import iso, rows
from auditor import schema
from auditor.resources import sql
from auditor.waivers import GapAcknowledgement, WaiverFile

LOGS = tuple(log.name for log in schema.LOGS)


@dataclass(frozen=True)
class Window:
    """The stretch of time a run judges: [start, end), or [start, end] when end_inclusive."""

    start: datetime
    end: datetime
    end_inclusive: bool = False

    def as_dict(self) -> dict[str, str | None]:
        return {"start": iso(self.start), "end": iso(self.end)}


@dataclass(frozen=True)
class LogEvidence:
    log: str
    present: bool
    rows_in_window: int
    first: datetime | None
    last: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {"log": self.log, "present": self.present, "rows_in_window": self.rows_in_window,
                "first": iso(self.first), "last": iso(self.last)}


@dataclass(frozen=True)
class Gap:
    start: datetime
    end: datetime
    acknowledged_by: GapAcknowledgement | None = None

    @property
    def hours(self) -> float:
        return round((self.end - self.start).total_seconds() / 3600, 2)

    def as_dict(self) -> dict[str, Any]:
        return {"start": iso(self.start), "end": iso(self.end), "hours": self.hours,
                "acknowledged": self.acknowledged_by is not None,
                "acknowledgement": self.acknowledged_by.as_dict() if self.acknowledged_by else None}


@dataclass(frozen=True)
class Evidence:
    """What the logs hold for a window: per log, the evidence span, the gaps."""

    window: Window
    span_start: datetime | None
    span_end: datetime | None
    logs: list[LogEvidence]
    gaps: list[Gap]
    expired_acknowledgements: list[GapAcknowledgement] = field(default_factory=list)

    @property
    def unacknowledged(self) -> list[Gap]:
        return [g for g in self.gaps if g.acknowledged_by is None]

    @property
    def state(self) -> str:
        """covered (no gap), partly_covered (a gap and an access event), not_covered (a gap, no access event)."""
        if not self.gaps:
            return "covered"
        access = next(e for e in self.logs if e.log == "access_events")
        return "partly_covered" if access.rows_in_window else "not_covered"

    def as_dict(self) -> dict[str, Any]:
        return {
            "span": {"start": iso(self.span_start), "end": iso(self.span_end)},
            "state": self.state,
            "logs": [e.as_dict() for e in self.logs],
            "gaps": [g.as_dict() for g in self.gaps],
            "expired_gap_acknowledgements": [a.as_dict() for a in self.expired_acknowledgements],
        }


def run_window(con: duckdb.DuckDBPyConnection, as_of: datetime, period_start: datetime | None = None,
               period_end: datetime | None = None) -> Window:
    """The window a run judges: with a period, [its start, min(its end, as_of)); without one,
    [the earliest access event's occurred_at, as_of] (the evidence span's start when no access
    event is loaded, as_of when nothing is)."""
    if period_start is not None and period_end is not None:
        return Window(period_start, min(period_end, as_of))
    first = con.execute(sql("coverage/first_access"), [as_of]).fetchone()[0]
    if first is None:
        first = con.execute(sql("coverage/span"), {"as_of": as_of}).fetchone()[0] or as_of
    return Window(first, as_of, end_inclusive=True)


def assess(con: duckdb.DuckDBPyConnection, config: Config, window: Window, as_of: datetime,
           waivers: WaiverFile | None = None, span: tuple[datetime | None, datetime | None] | None = None) -> Evidence:
    """The evidence per log in `window`, the evidence span up to as_of, and the gaps (marked
    acknowledged by the waivers file's [[gap]] entries active at as_of). `span`: the evidence
    span at this as_of when already known (a report assesses six months at one as_of)."""
    bounds = {"win_start": window.start, "win_end": window.end, "end_inclusive": window.end_inclusive}
    logs = [LogEvidence(**r) for r in rows(con, sql("coverage/logs"), bounds)]
    span_start, span_end = span or con.execute(sql("coverage/span"), {"as_of": as_of}).fetchone()
    found = rows(con, sql("coverage/gaps"), {**bounds, "span_start": span_start, "span_end": span_end,
                                      "max_gap_us": round(config.coverage.max_gap_hours * 3_600_000_000)})
    return _acknowledged(window, span_start, span_end, logs, [(g["start"], g["end"]) for g in found], waivers, as_of)


def _acknowledged(window: Window, span_start: datetime | None, span_end: datetime | None, logs: list[LogEvidence],
                  found: list[tuple[datetime, datetime]], waivers: WaiverFile | None, as_of: datetime) -> Evidence:
    """The evidence with each gap marked acknowledged by the waivers file's [[gap]] entry active at
    as_of that covers it, and the entries expired by then."""
    active, expired = (waivers or WaiverFile()).gaps_at(as_of)
    gaps = [Gap(start, end, next((a for a in active if a.covers(start, end)), None)) for start, end in found]
    return Evidence(window, span_start, span_end, logs, gaps, expired)


def stored(evidence: Evidence) -> str:
    """What the logs gave for a run's evidence, as JSON for run_evidence: the window, the span,
    each log's rows and the gaps (the acknowledgements come from the waivers file, whose hash the
    run keeps)."""
    window = evidence.window
    return json.dumps({
        "window": [iso(window.start), iso(window.end), window.end_inclusive],
        "span": [iso(evidence.span_start), iso(evidence.span_end)],
        "logs": [e.as_dict() for e in evidence.logs],
        "gaps": [[iso(g.start), iso(g.end)] for g in evidence.gaps],
    })


def from_stored(text: str, waivers: WaiverFile | None, as_of: datetime) -> Evidence:
    """The evidence of a run kept by `stored`, acknowledged as `assess` does."""
    data = json.loads(text)
    start, end, inclusive = data["window"]
    logs = [LogEvidence(**{**e, "first": _time(e["first"]), "last": _time(e["last"])}) for e in data["logs"]]
    return _acknowledged(Window(_time(start), _time(end), inclusive), *map(_time, data["span"]), logs,
                         [(_time(s), _time(e)) for s, e in data["gaps"]], waivers, as_of)


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
