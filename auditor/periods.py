"""Reporting periods: a month or a span of days in the report timezone, as UTC instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from auditor.errors import AuditorError


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive


def month_period(text: str, tz: str) -> Period:
    """The month YYYY-MM in the report timezone, as UTC instants."""
    try:
        first = datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise AuditorError(f"--period {text!r}: expected YYYY-MM, e.g. 2026-10") from None
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return _period(first, following, tz)


def date_period(start: str, end: str, tz: str) -> Period:
    """From the start of day `start` to the end of day `end` (inclusive) in the report timezone."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise AuditorError(f"--from/--to: expected dates YYYY-MM-DD, got {start!r} and {end!r}") from None
    if last < first:
        raise AuditorError("--to is before --from")
    return _period(first, last + timedelta(days=1), tz)


def _period(first: date, following: date, tz: str) -> Period:
    zone = ZoneInfo(tz)
    return Period(
        datetime.combine(first, time(), tzinfo=zone).astimezone(timezone.utc),
        datetime.combine(following, time(), tzinfo=zone).astimezone(timezone.utc),
    )
