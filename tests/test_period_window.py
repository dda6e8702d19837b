"""A period run judges only the access events its findings can come from (queries/window/), yet
its findings are exactly those of the whole history judged at the period's end (controls.md):
the same rows, arose_at, reasons and waivers, the same carried-over findings and counts. Each
month is compared with a run of the whole history at the month's end."""

from __future__ import annotations

from collections.abc import Iterator

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLE, assert_row_hashes, write_input
from test_controls import SETUP, access, consent, request

from auditor.check import CARRIED, HELD_FOR, _access_window, carried_over_sql, run_check
from auditor.config import Config
from auditor.controls import catalogue
from auditor.db import connect, run
from auditor.ingest import load
from auditor.periods import Period, month_period
from auditor.resources import sql
from auditor.schema import TABLES
from auditor.subject import access_table, records

MONTHS = ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12")
COLUMNS = "control, source, event_id, user_id, occurred_at, arose_at, reason, waiver"

# Findings that arise in a month from rows dated earlier, carried over, or of ids with several
# versions on both sides of a month's start (or after its end).
BOUNDARIES = {
    "consent_events": [consent("c-1", "2026-06-01T00:00:00Z"), consent("c-2", "2026-06-01T00:00:00Z", user="u2")],
    "access_events": [
        # an id with an allowed version in August and a finding's version in September
        access("v-1", "2026-08-10T00:00:00Z"), access("v-1", "2026-09-10T00:00:00Z", category="calendar"),
        # an id whose August version is already a finding: September does not list it again
        access("v-2", "2026-08-10T00:00:00Z", category="calendar"),
        access("v-2", "2026-09-12T00:00:00Z", category="calendar", app="teams"),
        # a September log-integrity finding whose second version is dated after September
        access("v-3", "2026-09-05T00:00:00Z"), access("v-3", "2026-11-05T00:00:00Z", app="teams"),
        # session-retention: dated August, its session ends (and the finding arises) in September
        access("sr-1", "2026-08-31T23:00:00Z", session_end="2026-09-01T01:00:00Z", purged_at="2026-09-03T00:00:00Z"),
        # still held: arises in August, carried over into every later month
        access("sr-2", "2026-08-05T00:00:00Z", purged_at=""),
        # purged late in October: carried over into September only
        access("sr-3", "2026-08-06T00:00:00Z", purged_at="2026-10-15T00:00:00Z"),
        # the finding of its August version (purged late), open while its October version is held
        access("sr-4", "2026-08-07T00:00:00Z", purged_at="2026-08-20T00:00:00Z"),
        access("sr-4", "2026-10-02T00:00:00Z", purged_at=""),
        # purged late, on September 25: held at an as_of of September 21, before October's start
        access("sr-5", "2026-09-01T00:00:00Z", purged_at="2026-09-25T00:00:00Z"),
        # held a week and 90 minutes, past September's start: September reads it in access_held
        # (HELD_FOR), October nowhere
        access("sr-6", "2026-08-24T23:00:00Z", session_end="2026-08-24T23:30:00Z", purged_at="2026-09-01T00:30:00Z"),
        # contacts sent in July, erasure asked in August: late from September 14 on, still held
        access("ct-1", "2026-07-01T00:00:00Z", user_id="u2", direction="microsoft_to_linkedin", category="contacts",
               purged_at=""),
        access("ct-2", "2026-07-02T00:00:00Z", user_id="u2", direction="microsoft_to_linkedin", category="contacts",
               purged_at="2026-10-20T00:00:00Z"),
        *(access(f"bg-{m}", f"2026-{m:02d}-15T00:00:00Z") for m in range(7, 13)),
    ],
    "admin_events": SETUP,
    "dsr_requests": [request("r-1", "2026-08-15T00:00:00Z", type_="erasure", user_id="u2", scope="contacts"),
                     request("r-2", "2026-08-20T00:00:00Z")],
}


# Versions the loader learns of across loads (access_versions): a first load, then a second one
# (Parquet, written once) with other versions of the first load's ids, dated in an earlier month
# and in a later one, and an id the second file repeats.
FIRST = {**BOUNDARIES, "access_events": [
    access("x-1", "2026-09-10T00:00:00Z"), access("x-2", "2026-08-10T00:00:00Z"),
    access("h-1", "2026-07-20T00:00:00Z", purged_at=""),  # still held: in access_held
    *(access(f"bg-{m}", f"2026-{m:02d}-15T00:00:00Z") for m in range(7, 13))]}
SECOND = {**BOUNDARIES, "access_events": [
    # a version of x-1 loaded later, dated in the month before: September finds it, not August
    access("x-1", "2026-08-20T00:00:00Z", category="calendar"),
    # a version of x-2 loaded later, dated in November
    access("x-2", "2026-11-05T00:00:00Z", app="teams"),
    # two versions in the second file only, in October and December
    access("x-3", "2026-10-03T00:00:00Z"), access("x-3", "2026-12-03T00:00:00Z", category="calendar"),
    # an exact duplicate of a row of the first load, and a row rejected: neither is a version
    access("bg-9", "2026-09-15T00:00:00Z"), access("bg-10", "not a time")]}


def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return SAMPLE


def boundaries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_input(tmp_path_factory.mktemp("boundaries"), **BOUNDARIES)


def two_loads(tmp_path_factory: pytest.TempPathFactory, second: str = "parquet") -> list[Path]:
    """FIRST as CSV, then SECOND as Parquet (written once) or, `second`, as another format
    (checked into _checked)."""
    return [write_input(tmp_path_factory.mktemp("first"), **FIRST),
            write_input(tmp_path_factory.mktemp("second"), second, **SECOND)]


def two_loads_jsonl(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return two_loads(tmp_path_factory, "jsonl")


def loaded(make, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    config = Config()
    connection = connect(tmp_path_factory.mktemp("db") / "audit.duckdb", config)
    folders = make(tmp_path_factory)
    for folder in folders if isinstance(folders, list) else [folders]:
        load(connection, folder, config)
    yield connection
    connection.close()


@pytest.fixture(scope="module", params=[sample, boundaries, two_loads, two_loads_jsonl],
                ids=["sample", "boundaries", "two-loads", "two-loads-jsonl"])
def con(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    yield from loaded(request.param, tmp_path_factory)


def versioned(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The access_events ids that more than one row has, from the rows themselves."""
    return [r[0] for r in con.execute("SELECT event_id FROM access_events GROUP BY event_id HAVING count(*) > 1 "
                                      "ORDER BY event_id").fetchall()]


def test_the_loader_records_the_ids_with_several_versions(con):
    recorded = [r[0] for r in con.execute("SELECT event_id FROM access_versions ORDER BY event_id").fetchall()]
    assert recorded == versioned(con)


@pytest.mark.parametrize("make", [two_loads, two_loads_jsonl], ids=["parquet", "jsonl"])
def test_versions_across_two_loads_are_recorded(tmp_path_factory, make):
    for con in loaded(make, tmp_path_factory):
        assert versioned(con) == ["x-1", "x-2", "x-3"]
        assert sorted(r[0] for r in con.execute("SELECT event_id FROM access_versions").fetchall()) == ["x-1", "x-2", "x-3"]
        # the second file's exact duplicate was skipped and its bad row rejected; its versions of
        # loaded ids were left out of the written-once statement and loaded after
        assert con.execute("SELECT count(*) FROM access_events WHERE event_id IN ('bg-9', 'bg-10')").fetchone()[0] == 2
        assert con.execute("SELECT rows_read, rows_loaded, rows_rejected, duplicates FROM loaded_files "
                           "WHERE log = 'access_events' ORDER BY file_id").fetchall() == [(9, 9, 0, 0), (6, 4, 1, 1)]


@pytest.fixture(scope="module")
def boundary_con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    yield from loaded(boundaries, tmp_path_factory)


def kept(con: duckdb.DuckDBPyConnection, run_id: int, where: str = "true", **params: object) -> set[tuple]:
    return set(run(con, f"SELECT {COLUMNS} FROM findings WHERE run_id = $run AND {where}", {"run": run_id, **params})
               .fetchall())


def whole_history(con: duckdb.DuckDBPyConnection, as_of: datetime) -> int:
    """The run of the whole history at as_of (no period: no window)."""
    return run_check(con, Config(), catalogue(), as_of=as_of).run_id


def carried_expected(con: duckdb.DuckDBPyConnection, whole: int, period: Period, as_of: datetime) -> set[tuple]:
    """The whole history's findings of the carried controls that arose before the period and are
    still open at its end: a version of the row dated by then still held, or the request still not
    completed (a version dated after the end has not happened yet)."""
    return set(run(con, f"""
        SELECT {COLUMNS} FROM findings f
        WHERE run_id = $run AND arose_at < $start AND list_contains($carried, control)
          AND CASE WHEN control = 'dsr-deadline'
                   THEN EXISTS (SELECT 1 FROM dsr_requests r WHERE r.request_id = f.event_id AND r.received_at <= $end
                                AND (r.completed_at IS NULL OR r.completed_at > $end))
                   ELSE EXISTS (SELECT 1 FROM access_events a WHERE a.event_id = f.event_id AND a.occurred_at <= $end
                                AND (a.purged_at IS NULL OR a.purged_at > $end)) END""",
                   {"run": whole, "start": period.start, "end": as_of, "carried": list(CARRIED)}).fetchall())


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("earlier", [None, timedelta(days=10)], ids=["at-the-end", "as-of-before-the-start"])
def test_a_month_finds_what_the_whole_history_finds(con, month, earlier):
    # Judged at the period's end; or, with --as-of, ten days before its start.
    period = month_period(month, "UTC")
    as_of = period.start - earlier if earlier else period.end
    whole = whole_history(con, as_of)
    expected = kept(con, whole, "arose_at >= $start AND arose_at < $end", start=period.start, end=period.end)
    result = run_check(con, Config(), catalogue(), as_of=as_of, period=period)
    assert kept(con, result.run_id, "in_period") == expected
    carried = set(run(con, f"SELECT {COLUMNS} FROM ({carried_over_sql()})", {"run": result.run_id, "as_of": as_of})
                  .fetchall())
    assert carried == carried_expected(con, whole, period, as_of)
    for r in result.results:
        assert (r.control.id, r.findings, r.carried_over) == (
            r.control.id, sum(f[0] == r.control.id for f in expected), sum(f[0] == r.control.id for f in carried))
    # Once the run is over, access_events is the stored table again.
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'access_events'").fetchone()[0] == 0


@pytest.mark.parametrize("month", MONTHS[2:])
@pytest.mark.parametrize("back", [1, 5])
def test_the_months_before_a_period_are_those_of_the_whole_history(con, month, back):
    # A report's trend: the run keeps the findings arising from `back` months before the period.
    period = month_period(month, "UTC")
    since = month_period(MONTHS[max(MONTHS.index(month) - back, 0)], "UTC").start
    whole = whole_history(con, period.end)
    result = run_check(con, Config(), catalogue(), period=period, since=since)
    assert result.since == since
    assert kept(con, result.run_id, "arose_at >= $since", since=since) == kept(
        con, whole, "arose_at >= $since AND arose_at < $end", since=since, end=period.end)


def test_the_window_is_a_months_rows_and_the_few_older_ones_it_needs(boundary_con):
    con = boundary_con
    # The boundary data's September: its own rows, the versions of v-1, v-2 (August) and v-3
    # (November), the copies still held at its start, and no other row (sr-4's August copy was
    # purged before; its held version is dated after September).
    start, end = datetime.fromisoformat("2026-09-01T00:00:00+00:00"), datetime.fromisoformat("2026-10-01T00:00:00+00:00")
    with _access_window(con, start, end, end):
        older = sorted(r[0] for r in con.execute("SELECT event_id FROM _window_older").fetchall())
    assert older == ["ct-1", "ct-2", "sr-1", "sr-2", "sr-3", "sr-6", "v-1", "v-2", "v-3"]


def held_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    """Each row of `table` held more than HELD_FOR after its event (or not purged), by file and line."""
    return con.execute(f"SELECT _file_id, _line, event_id, _hash FROM {table} WHERE purged_at IS NULL "
                       "OR purged_at - occurred_at > $held ORDER BY ALL", {"held": HELD_FOR}).fetchall()


def copied(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every row of access_held, by file and line."""
    return con.execute("SELECT _file_id, _line, event_id, _hash FROM access_held ORDER BY ALL").fetchall()


def test_access_held_is_a_copy_of_the_rows_held_longer_than_a_week(con):
    # Each such row once, and no other: what a month's check reads instead of the history.
    assert copied(con) == held_rows(con, "access_events")
    assert con.execute("SELECT count(*) FROM (FROM access_held EXCEPT ALL FROM access_events)").fetchone()[0] == 0


def test_held_long_and_held_for_are_the_same_week(boundary_con):
    t = datetime.fromisoformat("2026-09-01T00:00:00+00:00")
    assert boundary_con.execute("SELECT held_long($t, $t + $held), held_long($t, $t + $held + INTERVAL 1 MICROSECOND), "
                                "held_long($t, CAST(NULL AS TIMESTAMPTZ))", {"t": t, "held": HELD_FOR}).fetchone() == (False, True, True)


def test_each_row_holds_the_hash_of_its_id(con):
    assert_row_hashes(con)


def made_before_versions(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of the two loads as an auditor made before access_versions, _id_hash and
    access_held left it."""
    db = tmp_path / "archive" / "audit.duckdb"
    db.parent.mkdir()
    for con in loaded(two_loads, tmp_path_factory):
        con.execute(f"ATTACH '{db}' AS archive")
        con.execute("COPY FROM DATABASE " + con.execute("SELECT current_database()").fetchone()[0] + " TO archive")
        con.execute("DROP TABLE archive.access_versions")
        con.execute("DROP TABLE archive.access_held")
        for log in TABLES.values():
            con.execute(f"ALTER TABLE archive.{log.name} DROP COLUMN _id_hash")
        con.execute("DETACH archive")
    return db


def test_a_database_made_before_access_versions_gets_it_when_opened_writable(tmp_path, tmp_path_factory):
    db = made_before_versions(tmp_path, tmp_path_factory)
    con = connect(db, Config())
    try:
        assert sorted(r[0] for r in con.execute("SELECT event_id FROM access_versions").fetchall()) == versioned(con)
        assert_row_hashes(con)
        assert copied(con) == held_rows(con, "access_events") != []
        # A load after it matches its ids against the rows loaded before: an exact duplicate of
        # one is skipped, another version of one is recorded.
        third = write_input(tmp_path / "third", "parquet", **{**BOUNDARIES, "access_events": [
            access("bg-8", "2026-08-15T00:00:00Z"), access("bg-7", "2026-07-20T00:00:00Z")]})
        load(con, third, Config())
        assert con.execute("SELECT rows_read, rows_loaded, duplicates FROM loaded_files "
                           "WHERE log = 'access_events' ORDER BY file_id DESC LIMIT 1").fetchone() == (2, 1, 1)
        assert sorted(r[0] for r in con.execute("SELECT event_id FROM access_versions").fetchall()) == [
            "bg-7", "x-1", "x-2", "x-3"] == versioned(con)
        assert_row_hashes(con)
    finally:
        con.close()


def test_a_read_only_database_made_before_access_versions_finds_the_same(tmp_path, tmp_path_factory):
    from test_hostile import unwritable

    db = made_before_versions(tmp_path, tmp_path_factory)
    with unwritable(db, db.parent):
        con = connect(db, Config())
        try:
            assert not any(con.execute(sql("db/recorded"), {"table": t}).fetchone()[0]
                           for t in ("access_versions", "access_held"))
            assert copied(con) == held_rows(con, "access_events") != []
            # Read as they are, without _id_hash: a person's rows leave it out whether or not it is there.
            user = con.execute("SELECT min(user_id) FROM access_events").fetchone()[0]
            assert records(con, user)["access_events"] and "_id_hash" not in records(con, user)["access_events"][0]
            assert "_id_hash" not in [r[0] for r in con.execute(f"DESCRIBE {access_table(con, user)}").fetchall()]
            for month in MONTHS:
                period = month_period(month, "UTC")
                whole = whole_history(con, period.end)
                expected = kept(con, whole, "arose_at >= $start AND arose_at < $end", start=period.start, end=period.end)
                result = run_check(con, Config(), catalogue(), period=period)
                assert kept(con, result.run_id, "in_period") == expected
        finally:
            con.close()
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]
