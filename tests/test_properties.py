"""Invariants checked on many generated inputs (Hypothesis): the loader's counts, month arithmetic
and deadlines, and timestamp parsing in every accepted spelling.

Each property runs a modest number of examples (a few seconds in all) so that it stays in the
default suite; `--hypothesis-seed` reproduces a failure Hypothesis reports.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

import duckdb
import pytest
from conftest import ACCESS, load_into, write_input
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from auditor.periods import date_period, month_period
from auditor.config import Config, Time
from auditor.db import connect, run
from auditor.dsr import requests
from auditor.resources import sql
from auditor.sample import add_months

UTC = timezone.utc
# A load is a database and a few files per example (0.2-0.5 s): those properties run few
# examples, each of many rows; the pure arithmetic runs more.
LOADS = settings(max_examples=12, deadline=None)
SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def months_later(t: datetime, n: int) -> datetime:
    """The oracle of calendar-month arithmetic: the same day and time n months on, clamped to the
    month's last day (31 January + 1 month = 28 or 29 February)."""
    year, month = divmod(t.month - 1 + n, 12)
    year, month = t.year + year, month + 1
    return t.replace(year=year, month=month, day=min(t.day, calendar.monthrange(year, month)[1]))


# --- The loader: read = loaded + rejected + duplicates, and a second load changes nothing ----------

# How a row may be broken: (column, value, the rule that rejects it).
BREAKS = {
    "bad_timestamp": ("occurred_at", "2026-10-32T10:00:00Z", "bad_timestamp"),
    "not_a_timestamp": ("occurred_at", "yesterday", "bad_timestamp"),
    "naive_timestamp": ("occurred_at", "2026-10-01 10:00:00", "naive_timestamp"),
    "bad_enum": ("direction", "sideways", "bad_enum"),
    "missing_value": ("user_id", "", "missing_value"),
    "bad_integer": ("connection_degree", "many", "bad_integer"),
}
KINDS = st.sampled_from(["valid", "valid", "duplicate", *BREAKS])


def access_rows(kinds: list[str]) -> tuple[list[dict], dict[str, int]]:
    """Rows of access_events, one per kind (a duplicate repeats the latest valid row exactly),
    and the counts a load must report for them."""
    rows: list[dict] = []
    expected = {"loaded": 0, "rejected": 0, "duplicates": 0}
    rules: list[str] = []
    latest: dict | None = None
    for i, kind in enumerate(kinds):
        row = {**ACCESS, "event_id": f"a{i}", "occurred_at": f"2026-10-01T10:{i % 60:02d}:{i // 60:02d}Z",
               "session_id": f"s{i}", "connection_degree": "1"}
        if kind == "duplicate" and latest is not None:
            rows.append(dict(latest))
            expected["duplicates"] += 1
        elif kind in BREAKS:
            column, value, rule = BREAKS[kind]
            rows.append({**row, column: value})
            expected["rejected"] += 1
            rules.append(rule)
        else:
            rows.append(row)
            latest = row
            expected["loaded"] += 1
    expected["rules"] = sorted(rules)  # type: ignore[assignment]
    return rows, expected


def snapshot(con) -> dict[str, list[tuple]]:
    """Everything a load writes, in a stable order."""
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("access_events", "consent_events", "rejected_rows", "loaded_files")}


@LOADS
@given(kinds=st.lists(KINDS, min_size=1, max_size=14), fmt=st.sampled_from(["csv", "jsonl", "parquet"]))
def test_every_row_read_is_loaded_rejected_or_a_duplicate_and_a_second_load_changes_nothing(kinds, fmt):
    rows, expected = access_rows(kinds)
    with TemporaryDirectory() as tmp:
        folder = write_input(Path(tmp) / "in", fmt, access_events=rows)
        con = connect(":memory:", Config())
        try:
            first = load_into(con, folder)
            access = next(f for f in first.files if f.log == "access_events")
            for f in first.files:
                assert f.rows_read == f.rows_loaded + f.rows_rejected + f.duplicates, f
            assert access.rows_read == len(rows)
            assert (access.rows_loaded, access.rows_rejected, access.duplicates) == (
                expected["loaded"], expected["rejected"], expected["duplicates"])
            assert sorted(r for (r,) in con.execute("SELECT rule FROM rejected_rows WHERE log = 'access_events'")
                          .fetchall()) == expected["rules"]
            assert con.execute("SELECT count(*) FROM access_events").fetchone()[0] == expected["loaded"]
            before = snapshot(con)
            again = load_into(con, folder)
            assert all(f.skipped for f in again.files)
            assert snapshot(con) == before
        finally:
            con.close()


# --- Month arithmetic and deadlines -------------------------------------------------------------

INSTANTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23, 59, 59),
                        timezones=st.just(UTC))


@SOME
@given(t=INSTANTS, n=st.integers(min_value=0, max_value=40))
def test_adding_calendar_months_keeps_the_day_or_clamps_it_to_the_months_last(t, n):
    later = add_months(t, n)
    assert later == months_later(t, n)
    assert (later.year * 12 + later.month) - (t.year * 12 + t.month) == n
    assert later.time() == t.time() and later.tzinfo == t.tzinfo
    assert later.day == t.day or later.day == calendar.monthrange(later.year, later.month)[1] < t.day


@pytest.fixture(scope="module")
def dsr_con():
    con = connect(":memory:", Config())
    yield con
    con.close()


@SOME
@given(received=INSTANTS, extended=st.booleans(), done_after=st.none() | st.timedeltas(min_value=timedelta(0),
       max_value=timedelta(days=120)), as_of_after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=150)))
def test_a_requests_deadline_is_one_calendar_month_or_three_when_extended(
        dsr_con, received, extended, done_after, as_of_after):
    con = dsr_con
    con.execute("DELETE FROM dsr_requests")
    completed = None if done_after is None else received + done_after
    as_of = received + as_of_after
    con.execute("INSERT INTO dsr_requests (request_id, user_id, type, received_at, extended, completed_at) "
                "VALUES ('r1', 'u1', 'access', ?, ?, ?)", [received, extended, completed])
    [row] = requests(con, as_of)
    deadline = months_later(received, 3 if extended else 1)
    assert row["deadline"] == deadline
    done = completed if completed is not None and completed <= as_of else None
    assert row["completed_at"] == done
    if done is not None:
        assert row["status"] == ("done_in_time" if done <= deadline else "done_late")
        assert row["days_left"] is None
    else:
        assert row["status"] == ("open" if deadline >= as_of else "overdue")
        assert row["days_left"] == (deadline.date() - as_of.date()).days


ZONES = st.sampled_from(["UTC", "Europe/Stockholm", "Europe/London", "America/New_York", "Asia/Kolkata",
                         "Australia/Lord_Howe", "Pacific/Chatham"])
MONTHS = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 1)).map(lambda d: d.replace(day=1))


@SOME
@given(first=MONTHS, tz=ZONES)
def test_a_month_runs_from_local_midnight_on_its_first_to_the_next_months_first(first, tz):
    period = month_period(first.strftime("%Y-%m"), tz)
    zone = ZoneInfo(tz)
    following = months_later(datetime.combine(first, datetime.min.time()), 1).date()
    assert period.start == datetime.combine(first, datetime.min.time(), tzinfo=zone)
    assert period.end == datetime.combine(following, datetime.min.time(), tzinfo=zone)
    assert period.end == month_period(following.strftime("%Y-%m"), tz).start  # months tile time
    assert timedelta(days=27) < period.end - period.start < timedelta(days=32)
    last_day = following - timedelta(days=1)
    assert date_period(first.isoformat(), last_day.isoformat(), tz) == period


# --- Timestamps in every accepted spelling --------------------------------------------------------

@st.composite
def spelled(draw) -> tuple[str, datetime]:
    """A timestamp written with an offset in one of the accepted spellings, and its instant."""
    t = draw(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31)))
    digits = draw(st.integers(min_value=0, max_value=6))
    t = t.replace(microsecond=t.microsecond // 10 ** (6 - digits) * 10 ** (6 - digits))
    form = draw(st.sampled_from(["Z", "+HH:MM", "+HHMM", "+HH"]))
    minutes = 0 if form == "Z" else draw(st.integers(min_value=-14 * 60, max_value=14 * 60))
    if form == "+HH":
        minutes -= minutes % 60 if minutes >= 0 else -((-minutes) % 60)
    sign, whole = ("-" if minutes < 0 else "+"), abs(minutes)
    offset = {"Z": "Z", "+HH:MM": f"{sign}{whole // 60:02d}:{whole % 60:02d}",
              "+HHMM": f"{sign}{whole // 60:02d}{whole % 60:02d}", "+HH": f"{sign}{whole // 60:02d}"}[form]
    separator = draw(st.sampled_from(["T", " "]))
    fraction = f".{t.microsecond:06d}"[:digits + 1] if digits else ""
    text = t.strftime(f"%Y-%m-%d{separator}%H:%M:%S") + fraction + offset
    return text, (t - timedelta(minutes=minutes)).replace(tzinfo=UTC)


@LOADS
@given(stamps=st.lists(spelled(), min_size=1, max_size=20), fmt=st.sampled_from(["csv", "jsonl", "parquet"]))
def test_a_timestamp_with_an_offset_is_stored_as_its_instant_in_utc(stamps, fmt):
    rows = [{**ACCESS, "event_id": f"a{i}", "occurred_at": text} for i, (text, _) in enumerate(stamps)]
    with TemporaryDirectory() as tmp:
        con = connect(":memory:", Config())
        try:
            load_into(con, write_input(Path(tmp), fmt, access_events=rows))
            assert con.execute("SELECT count(*) FROM rejected_rows").fetchone()[0] == 0
            stored = dict(con.execute("SELECT event_id, occurred_at FROM access_events").fetchall())
        finally:
            con.close()
    assert [stored[f"a{i}"] for i in range(len(stamps))] == [instant for _, instant in stamps]


@st.composite
def naive_local(draw, zone: str) -> tuple[str, datetime]:
    """A naive local time in `zone` that exists once (not in a DST gap or overlap), and its instant."""
    t = draw(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31))).replace(microsecond=0)
    local = t.replace(tzinfo=ZoneInfo(zone))
    assume(local.utcoffset() == local.replace(fold=1).utcoffset())  # not ambiguous
    assume(local.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) == t)  # not skipped
    return t.strftime(draw(st.sampled_from(["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]))), local.astimezone(UTC)


@LOADS
@given(data=st.data(), zone=st.sampled_from(["Europe/Stockholm", "America/New_York", "Asia/Kolkata"]))
def test_a_naive_timestamp_is_read_in_the_configured_zone(data, zone):
    stamps = data.draw(st.lists(naive_local(zone), min_size=1, max_size=20))
    rows = [{**ACCESS, "event_id": f"a{i}", "occurred_at": text} for i, (text, _) in enumerate(stamps)]
    with TemporaryDirectory() as tmp:
        folder = write_input(Path(tmp), access_events=rows)
        config = Config(time=Time(naive_timezone=zone))
        con = connect(":memory:", config)
        try:
            load_into(con, folder, config)
            stored = dict(con.execute("SELECT event_id, occurred_at FROM access_events").fetchall())
        finally:
            con.close()
    assert [stored[f"a{i}"] for i in range(len(stamps))] == [instant for _, instant in stamps]


@pytest.fixture(scope="module")
def gap_con():
    """The tables queries/coverage/gaps.sql reads, reduced to the columns it reads."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE access_events (occurred_at TIMESTAMPTZ)")
    con.execute("CREATE TABLE consent_spells (valid_from TIMESTAMPTZ, valid_to TIMESTAMPTZ, state VARCHAR)")
    con.execute("CREATE TABLE org_states (valid_from TIMESTAMPTZ, state VARCHAR)")
    yield con
    con.close()


@SOME
@given(data=st.data(), max_gap_us=st.integers(min_value=0, max_value=3 * 10**8))
def test_the_gaps_are_the_stretches_between_consecutive_events_longer_than_the_limit(gap_con, data, max_gap_us):
    """With activity expected everywhere (no evidence span), a gap is exactly an interval between
    two consecutive cuts (the window's ends, its events) longer than the limit; the query only
    looks at each bucket's first and last event, which must find the same. The events are steps
    of about the limit (one less, equal, one more, or anything up to three times it) from a start
    before, in or after the window."""
    g = max_gap_us
    steps = data.draw(st.lists(st.sampled_from([0, max(g - 1, 0), g, g + 1]) | st.integers(0, 3 * g + 2), max_size=40))
    first = data.draw(st.integers(min_value=-2 * 10**8, max_value=10**9))
    offsets = [first + sum(steps[:i]) for i in range(len(steps))]
    start = datetime(2027, 1, 1, tzinfo=UTC)
    end = start + timedelta(microseconds=10**9)
    events = [start + timedelta(microseconds=o) for o in offsets]
    gap_con.execute("DELETE FROM access_events")
    if events:
        gap_con.executemany("INSERT INTO access_events VALUES (?)", [[t] for t in events])
    cuts = sorted({start, end, *(t for t in events if start < t < end)})
    expected = [(a, b) for a, b in zip(cuts, cuts[1:]) if (b - a) / timedelta(microseconds=1) > max_gap_us]
    found = run(gap_con, sql("coverage/gaps"), {"win_start": start, "win_end": end, "span_start": None,
                                               "span_end": None, "max_gap_us": max_gap_us}).fetchall()
    assert found == expected
