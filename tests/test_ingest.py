"""The input contract (README, "auditor load"), one rule at a time."""

from __future__ import annotations

import gzip
import hashlib
from bisect import bisect_right
from datetime import datetime, timezone
from itertools import accumulate

import pytest
from conftest import ACCESS, CONSENT, assert_reconciled, load_into, rejected, write_input, write_log

from auditor.config import Config, Time
from auditor.db import connect
from auditor.errors import AuditorError
from auditor.resources import queries_dir
from auditor.schema import LOGS

UTC = timezone.utc


def test_schema_sql_matches_the_contract(con):
    for log in LOGS:
        columns = [r[0] for r in con.execute(f"DESCRIBE {log.name}").fetchall()]
        assert columns == [*log.column_names, "_file_id", "_line", "_hash", "_extra", "_id_hash"]
    assert (queries_dir() / "schema.sql").is_file()


FULL_ACCESS = [
    {**ACCESS, "event_id": "a1", "fields": ["start", "end"], "connection_degree": "1", "app": "Outlook",
     "viewer_id": "u2", "session_end": "2026-10-01T11:00:00+02:00", "purged_at": "2026-10-01T09:30:00Z",
     "source_region": "se", "destination_region": "US", "transfer_mechanism": "DPF"},
    {**ACCESS, "event_id": "a2", "category": "connections", "connection_degree": "1"},
]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_the_same_data_in_every_format_loads_to_identical_tables(tmp_path, fmt):
    tables = {}
    for f in ("csv", fmt):
        con = connect(":memory:", Config())
        users = [{"user_id": "u1", "email": "a@example.com", "display_name": "A", "country": "SE"}]
        admin = [{"event_id": "e1", "occurred_at": "2026-09-01T00:00:00Z", "actor_id": "adm",
                  "actor_role": "Global_Administrator", "action": "enable_group", "group_id": "g1"}]
        dsr = [{"request_id": "r1", "user_id": "u1", "type": "erasure", "scope": "contacts",
                "received_at": "2026-10-02T00:00:00Z", "extended": "yes"}]
        write_input(tmp_path / f, f, access_events=FULL_ACCESS, users=users, admin_events=admin, dsr_requests=dsr)
        assert_reconciled(load_into(con, tmp_path / f))
        tables[f] = {
            log.name: con.execute(f"SELECT {', '.join(log.column_names)} FROM {log.name} ORDER BY ALL").fetchall()
            for log in LOGS
        }
        con.close()
    assert tables["csv"] == tables[fmt]
    access = tables["csv"]["access_events"]
    assert access[0][5] == ["start", "end"] and access[0][7] == "outlook" and access[0][14] == "dpf"
    assert tables["csv"]["dsr_requests"][0][5] is True


# One test per rejection rule: (log, the row's bad values, the column named, the rule).
REJECTIONS = [
    ("access_events", {"occurred_at": "yesterday"}, "occurred_at", "bad_timestamp"),
    ("access_events", {"occurred_at": "2026-02-30T10:00:00Z"}, "occurred_at", "bad_timestamp"),
    ("access_events", {"occurred_at": "2026-10-01 10:00:00"}, "occurred_at", "naive_timestamp"),
    # The common shape ...T..:..:..Z is parsed by strptime, which must refuse what a cast takes.
    ("access_events", {"occurred_at": "2026-10-01T 3:00:00Z"}, "occurred_at", "bad_timestamp"),
    ("access_events", {"occurred_at": "2026-10-01T03:00:0.Z"}, "occurred_at", "bad_timestamp"),
    ("access_events", {"occurred_at": "+026-10-01T03:00:00Z"}, "occurred_at", "bad_timestamp"),
    ("access_events", {"occurred_at": "2026-10-32T03:00:00Z"}, "occurred_at", "bad_timestamp"),
    ("access_events", {"session_end": "soon"}, "session_end", "bad_timestamp"),
    ("access_events", {"purged_at": "2026-10-01T10:00"}, "purged_at", "bad_timestamp"),
    ("access_events", {"direction": "sideways"}, "direction", "bad_enum"),
    ("access_events", {"category": "photos"}, "category", "bad_enum"),
    ("access_events", {"connection_degree": "2nd"}, "connection_degree", "bad_integer"),
    ("access_events", {"connection_degree": "1.5"}, "connection_degree", "bad_integer"),
    ("access_events", {"source_region": "Sweden"}, "source_region", "bad_country"),
    ("access_events", {"destination_region": "S1"}, "destination_region", "bad_country"),
    ("access_events", {"session_id": ""}, "session_id", "missing_value"),
    ("access_events", {"event_id": "   "}, "event_id", "missing_value"),
    ("consent_events", {"scope": ""}, "scope", "missing_value"),
    ("consent_events", {"action": "link"}, "action", "bad_enum"),
    ("consent_events", {"scope": "everything"}, "scope", "bad_enum"),
    ("admin_events", {"action": "group_add", "group_id": "g1", "target_user_id": ""}, "target_user_id", "missing_value"),
    ("admin_events", {"action": "enable_group", "group_id": ""}, "group_id", "missing_value"),
    ("dsr_requests", {"extended": "maybe"}, "extended", "bad_boolean"),
    ("dsr_requests", {"type": "deletion"}, "type", "bad_enum"),
    ("dsr_requests", {"completed_at": "2026-13-01T00:00:00Z"}, "completed_at", "bad_timestamp"),
    ("users", {"country": "SWE"}, "country", "bad_country"),
    ("users", {"user_id": ""}, "user_id", "missing_value"),
]
VALID = {
    "access_events": ACCESS,
    "consent_events": CONSENT,
    "admin_events": {"event_id": "e1", "occurred_at": "2026-09-01T00:00:00Z", "actor_id": "adm",
                     "actor_role": "global_administrator", "action": "enable_all"},
    "dsr_requests": {"request_id": "r1", "user_id": "u1", "type": "access", "received_at": "2026-10-01T00:00:00Z"},
    "users": {"user_id": "u1", "email": "u1@example.com"},
}


@pytest.mark.parametrize("log, bad, column, rule", REJECTIONS)
def test_a_row_breaking_a_rule_is_rejected_with_its_reason(tmp_path, con, log, bad, column, rule):
    good = dict(VALID[log])
    other = {k: (f"{v}-2" if k in ("event_id", "request_id", "user_id") else v) for k, v in good.items()}
    write_input(tmp_path, **{log: [good, {**good, **bad}, other]})
    result = load_into(con, tmp_path)
    assert_reconciled(result)
    stats = next(f for f in result.files if f.log == log)
    assert (stats.rows_read, stats.rows_loaded, stats.rows_rejected) == (3, 2, 1)
    assert rejected(con) == [(f"{log}.csv", 3, column, rule)]
    raw = con.execute("SELECT raw, message FROM rejected_rows").fetchone()
    assert raw[0] and raw[1]


def test_a_second_user_row_with_the_same_id_and_other_content_is_rejected(tmp_path, con):
    users = [{"user_id": "u1", "country": "SE"}, {"user_id": "u1", "country": "SE"}, {"user_id": "u1", "country": "DE"}]
    result = load_into(con, write_input(tmp_path, users=users))
    stats = next(f for f in result.files if f.log == "users")
    assert (stats.rows_read, stats.rows_loaded, stats.duplicates, stats.rows_rejected) == (3, 1, 1, 1)
    assert rejected(con) == [("users.csv", 4, "user_id", "duplicate_user")]
    # ... and in a later load too: the directory names each person once.
    write_log(tmp_path / "next", "users", [{"user_id": "u1", "country": "NO"}])
    write_input(tmp_path / "next")
    load_into(con, tmp_path / "next")
    assert rejected(con)[-1] == ("users.csv", 2, "user_id", "duplicate_user")
    assert con.execute("SELECT country FROM users").fetchall() == [("SE",)]


def test_a_user_row_identical_to_a_rejected_one_is_rejected_again(tmp_path, con):
    # Duplicates are rows identical to a *loaded* one: a copy of a rejected row is judged on its
    # own, so a user_id already taken with other content is rejected again, in a file and across
    # files; a copy of the row kept is still a duplicate.
    users = [{"user_id": "u1", "country": "SE"}, {"user_id": "u1", "country": "DE"}, {"user_id": "u1", "country": "DE"},
             {"user_id": "u1", "country": "SE"}]
    result = load_into(con, write_input(tmp_path, users=users))
    stats = next(f for f in result.files if f.log == "users")
    assert (stats.rows_read, stats.rows_loaded, stats.duplicates, stats.rows_rejected) == (4, 1, 1, 2)
    assert rejected(con) == [("users.csv", 3, "user_id", "duplicate_user"), ("users.csv", 4, "user_id", "duplicate_user")]
    write_log(tmp_path / "next", "users", [{"user_id": "u1", "country": "DE"}, {"user_id": "u1", "country": "DE"},
                                           {"user_id": "u1", "country": "SE"}])
    write_input(tmp_path / "next")
    stats = next(f for f in load_into(con, tmp_path / "next").files if f.log == "users")
    assert (stats.rows_read, stats.rows_loaded, stats.duplicates, stats.rows_rejected) == (3, 0, 1, 2)
    assert rejected(con)[-2:] == [("users.csv", 2, "user_id", "duplicate_user"), ("users.csv", 3, "user_id", "duplicate_user")]
    assert con.execute("SELECT country FROM users").fetchall() == [("SE",)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-10-03T14:05:00Z", datetime(2026, 10, 3, 14, 5, tzinfo=UTC)),
        ("2026-10-03T16:05:00+02:00", datetime(2026, 10, 3, 14, 5, tzinfo=UTC)),
        ("2026-10-03 16:05:00+0200", datetime(2026, 10, 3, 14, 5, tzinfo=UTC)),
        ("2026-10-03T09:05:00-05", datetime(2026, 10, 3, 14, 5, tzinfo=UTC)),
        ("2026-10-03T14:05:00.250Z", datetime(2026, 10, 3, 14, 5, 0, 250000, tzinfo=UTC)),
    ],
)
def test_timestamps_with_an_offset_are_stored_in_utc(tmp_path, con, text, expected):
    load_into(con, write_input(tmp_path, access_events=[{**ACCESS, "occurred_at": text}]))
    assert con.execute("SELECT occurred_at FROM access_events").fetchone()[0] == expected


def test_naive_timestamps_are_read_in_the_configured_zone(tmp_path):
    config = Config(time=Time(naive_timezone="Europe/Stockholm"))
    con = connect(":memory:", config)
    rows = [{**ACCESS, "occurred_at": "2026-10-03 16:05:00"}, {**ACCESS, "event_id": "a2", "occurred_at": "2026-01-03 16:05:00"}]
    load_into(con, write_input(tmp_path, access_events=rows), config)
    assert [r[0] for r in con.execute("SELECT occurred_at FROM access_events ORDER BY event_id").fetchall()] == [
        datetime(2026, 10, 3, 14, 5, tzinfo=UTC),  # CEST, +02:00
        datetime(2026, 1, 3, 15, 5, tzinfo=UTC),  # CET, +01:00
    ]
    assert rejected(con) == []


def test_values_are_trimmed_and_normalised(tmp_path, con):
    rows = [{**ACCESS, "user_id": "  u1 ", "direction": " LinkedIn_To_Microsoft", "fields": " Start ; ;END ",
             "source_region": "uk", "destination_region": "el", "transfer_mechanism": " SCC "},
            {**ACCESS, "event_id": "a2", "source_region": "eu", "fields": ""}]
    load_into(con, write_input(tmp_path, access_events=rows))
    got = con.execute(
        "SELECT user_id, direction, fields, source_region, destination_region, transfer_mechanism FROM access_events ORDER BY event_id"
    ).fetchall()
    assert got == [("u1", "linkedin_to_microsoft", ["start", "end"], "GB", "GR", "scc"), ("u1", "linkedin_to_microsoft", None, "EU", None, None)]


def test_exact_duplicates_are_skipped_and_same_id_with_other_content_is_kept(tmp_path, con):
    rows = [ACCESS, {**ACCESS, "user_id": " u1"}, {**ACCESS, "app": "teams"}, {**ACCESS, "extra": "ignored"}]
    result = load_into(con, write_input(tmp_path, access_events=rows))
    assert_reconciled(result)
    stats = next(f for f in result.files if f.log == "access_events")
    assert (stats.rows_read, stats.rows_loaded, stats.duplicates) == (4, 2, 2)
    assert con.execute("SELECT count(*) FROM access_events WHERE event_id = 'a1'").fetchone()[0] == 2


def test_extra_columns_are_kept_but_ignored(tmp_path, con):
    load_into(con, write_input(tmp_path, access_events=[{**ACCESS, "tenant": "contoso"}]))
    assert con.execute("SELECT _extra->>'$.tenant' FROM access_events").fetchone()[0] == "contoso"


def test_reloading_the_same_files_changes_nothing(tmp_path, con):
    folder = write_input(tmp_path)
    first = load_into(con, folder)
    second = load_into(con, folder)
    assert all(f.skipped for f in second.files) and not any(f.skipped for f in first.files)
    assert con.execute("SELECT count(*) FROM access_events").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM loaded_files").fetchone()[0] == 2


def test_each_file_is_recorded_with_its_sha256_and_a_copy_in_the_same_load_is_skipped(tmp_path, con):
    # The copy's bytes were loaded earlier in the same transaction: it is skipped, not loaded twice.
    folder = write_input(tmp_path)
    (folder / "access_events").mkdir()
    (folder / "access_events.csv").rename(folder / "access_events" / "a.csv")
    (folder / "access_events" / "b.csv").write_bytes((folder / "access_events" / "a.csv").read_bytes())
    result = load_into(con, folder)
    assert [(f.file, f.skipped) for f in result.files if f.log == "access_events"] == [
        ("access_events/a.csv", False), ("access_events/b.csv", True)]
    recorded = dict(con.execute("SELECT path, sha256 FROM loaded_files").fetchall())
    assert recorded == {str(p.resolve()): hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in (folder / "access_events" / "a.csv", folder / "consent_events.csv")}


def test_the_same_rows_in_another_file_are_counted_as_duplicates(tmp_path, con):
    load_into(con, write_input(tmp_path / "a"))
    write_input(tmp_path / "b", consent_events=[CONSENT, {**CONSENT, "event_id": "c2"}])
    (tmp_path / "b" / "access_events.csv").write_text((tmp_path / "a" / "access_events.csv").read_text() + "\n")
    result = load_into(con, tmp_path / "b")
    stats = {f.log: (f.rows_loaded, f.duplicates) for f in result.files}
    assert stats == {"consent_events": (1, 1), "access_events": (0, 1)}


def test_a_second_month_appends(tmp_path, con):
    load_into(con, write_input(tmp_path / "sep"))
    october = [{**ACCESS, "event_id": "a9", "occurred_at": "2026-10-15T00:00:00Z"}]
    load_into(con, write_input(tmp_path / "oct", access_events=october, consent_events=[]))
    assert con.execute("SELECT list(event_id ORDER BY event_id) FROM access_events").fetchone()[0] == ["a1", "a9"]
    assert con.execute("SELECT count(*) FROM loaded_files").fetchone()[0] == 4


def test_a_folder_of_daily_files_and_gzip(tmp_path, con):
    day1 = write_log(tmp_path / "access_events", "access_events", [ACCESS], name="2026-10-01")
    write_log(tmp_path / "access_events", "access_events", [{**ACCESS, "event_id": "a2"}], "jsonl", name="2026-10-02")
    with gzip.open(tmp_path / "access_events" / "2026-10-03.csv.gz", "wt") as fh:
        fh.write(day1.read_text().replace("a1", "a3"))
    write_log(tmp_path, "consent_events", [CONSENT])
    result = load_into(con, tmp_path)
    assert [f.file for f in result.files if f.log == "access_events"] == [
        "access_events/2026-10-01.csv", "access_events/2026-10-02.jsonl", "access_events/2026-10-03.csv.gz"]
    assert con.execute("SELECT list(event_id ORDER BY event_id) FROM access_events").fetchone()[0] == ["a1", "a2", "a3"]


def test_line_numbers_count_physical_lines_and_malformed_records(tmp_path, con):
    text = (
        "event_id,occurred_at,user_id,action,scope,notice_version\n"
        'c1,2026-10-01T10:00:00Z,u1,connect,bidirectional,"v1\nsecond line"\n'
        "c2,2026-10-01T10:00:00Z,u2,connect,bidirectional,v1,unexpected\n"
        "c2b,2026-10-01T10:00:00Z,u2,connect,bidirectional,v1,unexpected\n"
        "c3,2026-10-01T10:00:00Z,u3,conect,bidirectional,v1\n"
        "c4,2026-10-01T10:00:00Z,u4,connect,bidirectional,v1\n"
    )
    write_input(tmp_path)
    (tmp_path / "consent_events.csv").write_text(text)
    result = load_into(con, tmp_path)
    assert_reconciled(result)
    assert rejected(con) == [("consent_events.csv", 4, None, "malformed_record"), ("consent_events.csv", 5, None, "malformed_record"),
                             ("consent_events.csv", 6, "action", "bad_enum")]
    assert con.execute("SELECT list(_line ORDER BY _line) FROM consent_events").fetchone()[0] == [2, 7]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("gz", [False, True])
def test_line_numbers_count_the_blank_lines_the_reader_skips(tmp_path, con, eol, gz):
    ok = "{},2026-10-01T10:00:00Z,u1,connect,bidirectional,{}"
    pieces = [  # (event_id or None, the record's text or "" for a blank line)
        (None, "event_id,occurred_at,user_id,action,scope,notice_version"), ("c1", ok.format("c1", "v1")),
        (None, ""), ("c2", ok.format("c2", f'"v1{eol}{eol}a blank line inside a value"')), (None, ""), (None, ""),
        ("c3", ok.format("c3", "v1") + ",unexpected"), (None, ""), ("c4", ok.format("c4", "v1").replace("connect", "conect")),
        ("c5", ok.format("c5", '"a ""quoted"" word"')), (None, ""), (None, ""), (None, ""), ("c6", ok.format("c6", "v1")),
        (None, ""), (None, ""),
    ]
    starts, line = {}, 1
    for event_id, text in pieces:
        starts[event_id] = line
        line += 1 + text.count("\n")
    data = eol.join(text for _, text in pieces).encode()
    write_input(tmp_path)
    (tmp_path / "consent_events.csv").unlink()
    if gz:
        (tmp_path / "consent_events.csv.gz").write_bytes(gzip.compress(data))
    else:
        (tmp_path / "consent_events.csv").write_bytes(data)
    assert_reconciled(load_into(con, tmp_path))
    name = "consent_events.csv" + (".gz" if gz else "")
    assert rejected(con) == [(name, starts["c3"], None, "malformed_record"), (name, starts["c4"], "action", "bad_enum")]
    assert con.execute("SELECT event_id, _line FROM consent_events ORDER BY _line").fetchall() == [
        (e, starts[e]) for e in ("c1", "c2", "c5", "c6")]


def test_line_numbers_hold_when_a_big_file_is_read_in_parallel(tmp_path, con):
    # 35 MB: DuckDB reads parts of it on both threads at once; the records keep file order. Blank
    # lines are found where they are, also when one spans two of the chunks the file is read in.
    n = 300_000
    header = "event_id,occurred_at,user_id,direction,category,session_id\n"
    rows = [f"a{i},2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,profile,session-{i:090d}\n" for i in range(n)]
    for i in (1_000, n - 5):
        rows[i] = rows[i].replace("profile", "profil")
    ends = list(accumulate(map(len, rows), initial=len(header)))  # ends[i + 1]: just after row i
    last = bisect_right(ends, 1 << 20) - 2  # the last row ending before byte 2^20 - 1: its line break moves there
    rows[last] = rows[last].replace("session-", "session-" + "x" * ((1 << 20) - ends[last + 1]))
    blank_after = {last, 20_000, 20_001, n - 100}
    (tmp_path / "in").mkdir()
    write_input(tmp_path / "in")
    (tmp_path / "in" / "access_events.csv").write_text(header + "".join(r + ("\n" if i in blank_after else "") for i, r in enumerate(rows)))
    assert (tmp_path / "in" / "access_events.csv").read_bytes()[(1 << 20) - 1:(1 << 20) + 1] == b"\n\n"
    load_into(con, tmp_path / "in")
    expected = {i: i + 2 + sum(b < i for b in blank_after) for i in range(n)}
    assert [r[1] for r in rejected(con)] == [expected[1_000], expected[n - 5]]
    got = dict(con.execute("SELECT CAST(event_id[2:] AS BIGINT), _line FROM access_events").fetchall())
    assert got == {i: line for i, line in expected.items() if i not in (1_000, n - 5)}


def test_a_jsonl_line_that_is_not_an_object_is_rejected(tmp_path, con):
    write_input(tmp_path, "jsonl")
    path = tmp_path / "access_events.jsonl"
    path.write_text("[1, 2]\n\n" + path.read_text() + '{"event_id": "a2", "fields": 5}\n')
    result = load_into(con, tmp_path)
    assert_reconciled(result)
    assert [r[1:] for r in rejected(con)] == [(1, None, "bad_json"), (4, "fields", "bad_list")]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_missing_required_column_fails_the_whole_load(tmp_path, con, fmt):
    row = {k: v for k, v in ACCESS.items() if k != "session_id"}
    write_input(tmp_path, fmt, access_events=[row])
    with pytest.raises(AuditorError, match=r"access_events\.\w+: missing required column 'session_id'"):
        load_into(con, tmp_path)
    assert con.execute("SELECT count(*) FROM consent_events").fetchone()[0] == 0  # nothing half-loaded


def test_a_truncated_gzip_file_is_a_clear_error(tmp_path, con):
    write_input(tmp_path)
    data = gzip.compress((tmp_path / "access_events.csv").read_bytes() * 50)
    (tmp_path / "access_events.csv").unlink()
    (tmp_path / "access_events.csv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(AuditorError, match="access_events.csv.gz"):
        load_into(con, tmp_path)


# A file cut off (a copy or download that stopped early) ends in an incomplete record with no
# line break after it: the whole load fails. Records before it span lines and a blank line, so
# the line named is the physical line where the cut record starts.
CSV_HEAD = (
    "event_id,occurred_at,user_id,direction,category,session_id\n"
    'a1,2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,profile,"s1\nsecond line"\n'
    "\n"
    "a2,2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,profile,s2\n"
)  # the next record starts on line 6
JSONL_HEAD = '{"event_id": "a1", "occurred_at": "2026-10-01T10:00:00Z", "user_id": "u1", "direction": "linkedin_to_microsoft", "category": "profile", "session_id": "s1"}\n\n'  # next: line 3


def _access_file(folder, name: str, data: str | bytes):
    """An input folder whose access_events file is `data` (gzip-compressed for a .gz name)."""
    write_input(folder)
    (folder / "access_events.csv").unlink()
    raw = data.encode() if isinstance(data, str) else data
    (folder / name).write_bytes(gzip.compress(raw) if name.endswith(".gz") else raw)
    return folder


@pytest.mark.parametrize("name", ["access_events.csv", "access_events.csv.gz"])
@pytest.mark.parametrize(
    "tail",
    [
        'a3,2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,profile,"s3 and\na value cut',  # inside a quoted value
        'a3,2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,"profile\n",s3,"cut ""here""',  # ... after escaped quotes
        "a3,2026-10-01T10:00:00Z,u1,linked",  # too few fields
        "a3,2026-10-01T10:00:00Z,u1,L\u00efnked".encode()[:-5],  # too few fields, in the middle of a character
    ],
)
def test_a_csv_file_cut_in_its_last_record_fails_the_load(tmp_path, con, name, tail):
    head = CSV_HEAD.encode() if isinstance(tail, bytes) else CSV_HEAD
    _access_file(tmp_path, name, head + tail)
    with pytest.raises(AuditorError) as caught:
        load_into(con, tmp_path)
    assert str(caught.value) == (f"{tmp_path / name}: truncated at line 6: the last record is incomplete "
                                 "and not ended by a line break")
    assert con.execute("SELECT count(*) FROM loaded_files").fetchone()[0] == 0


@pytest.mark.parametrize("name", ["access_events.csv", "access_events.csv.gz"])
@pytest.mark.parametrize(
    "text",
    [
        CSV_HEAD + "a3,2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,profile,s3",
        CSV_HEAD + 'a3,2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,profile,"s3, ""quoted""\nand on two lines"',
        (CSV_HEAD + "a3,2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,profile,s3\r").replace("\n", "\r\n"),  # CRLF, cut before LF
    ],
)
def test_a_complete_csv_file_without_a_final_line_break_loads(tmp_path, con, name, text):
    _access_file(tmp_path, name, text)
    result = load_into(con, tmp_path)
    assert_reconciled(result)
    assert rejected(con) == []
    assert con.execute("SELECT list(event_id ORDER BY _line) FROM access_events").fetchone()[0] == ["a1", "a2", "a3"]


@pytest.mark.parametrize(
    "tail, rule",
    [
        ("a3,2026-10-01T10:00:00Z,u1,linked\n", "malformed_record"),  # ended by a line break: not cut
        ("a3,2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,profile,s3,extra", "malformed_record"),  # too many fields
        ("   ", "malformed_record"),  # a blank last line holds no record to be cut
        ("a3,2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,profil,s3", "bad_enum"),
    ],
)
def test_a_bad_last_csv_record_that_is_not_cut_is_rejected_as_before(tmp_path, con, tail, rule):
    _access_file(tmp_path, "access_events.csv", CSV_HEAD + tail)
    assert_reconciled(load_into(con, tmp_path))
    assert [r[1::2] for r in rejected(con)] == [(6, rule)]


def test_a_stray_quote_in_an_earlier_value_does_not_make_a_complete_csv_file_cut(tmp_path, con):
    # 5" is a quote inside an unquoted value, which the reader keeps as text: the quotes of the
    # whole file are odd in number, but the last record is complete.
    text = CSV_HEAD.replace(",s2\n", ',5" screen\n') + "a3,2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,profile,s3"
    _access_file(tmp_path, "access_events.csv", text)
    load_into(con, tmp_path)
    assert rejected(con) == []
    assert con.execute("SELECT list(session_id ORDER BY _line) FROM access_events").fetchone()[0] == [
        "s1\nsecond line", '5" screen', "s3"]


@pytest.mark.parametrize("name", ["access_events.jsonl", "access_events.jsonl.gz"])
@pytest.mark.parametrize("tail", ['{"event_id": "a3", "occurred_at": "2026-10-01T1', '{"event_id": "a3", "user_id": "\u00ef'.encode()[:-1]])
def test_a_jsonl_file_cut_in_its_last_object_fails_the_load(tmp_path, con, name, tail):
    head = JSONL_HEAD.encode() if isinstance(tail, bytes) else JSONL_HEAD
    _access_file(tmp_path, name, head + tail)
    with pytest.raises(AuditorError, match=r"access_events\.jsonl(\.gz)?: truncated at line 3: the last record is incomplete"):
        load_into(con, tmp_path)


@pytest.mark.parametrize(
    "tail, rejections",
    [
        (JSONL_HEAD.replace("a1", "a3").rstrip("\n"), []),  # complete, without a final line break
        ('{"event_id": "a3", "occurred_at": "2026-10-01T1\n', [(3, "bad_json")]),  # ended by a line break
        ("[1, 2]", [(3, "bad_json")]),  # valid JSON, not an object: not cut
        ('{"event_id": "a3", "occurred_at": "2026-10-01T1\n  ', [(3, "bad_json")]),  # a blank last line
    ],
)
def test_a_jsonl_file_whose_last_line_is_not_cut_loads_as_before(tmp_path, con, tail, rejections):
    _access_file(tmp_path, "access_events.jsonl", JSONL_HEAD + tail)
    assert_reconciled(load_into(con, tmp_path))
    assert [r[1::2] for r in rejected(con)] == rejections


def _contents(con) -> dict[str, list[tuple]]:
    """Every row of every table of the database."""
    tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()]
    return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in tables}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_failed_load_of_a_cut_file_leaves_an_existing_database_as_it_was(tmp_path, con, fmt):
    load_into(con, write_input(tmp_path / "first", users=[{"user_id": "u1", "country": "SE"}]))
    before = _contents(con)
    assert before["loaded_files"] and before["access_events"]
    # The next month: good new files, and a cut one loaded after them.
    folder = write_input(tmp_path / "next", fmt, users=[{"user_id": "u2"}], consent_events=[{**CONSENT, "event_id": "c2"}],
                         access_events=[{**ACCESS, "event_id": "a2"}])
    path = folder / f"access_events.{fmt}"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(AuditorError, match=f"truncated at line {2 if fmt == 'csv' else 1}:"):  # CSV: after the header
        load_into(con, folder)
    assert _contents(con) == before


def test_garbage_in_a_parquet_file_is_a_clear_error(tmp_path, con):
    write_input(tmp_path)
    (tmp_path / "access_events.csv").unlink()
    (tmp_path / "access_events.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(AuditorError, match="access_events.parquet"):
        load_into(con, tmp_path)


def test_absent_optional_logs_are_reported(tmp_path, con):
    result = load_into(con, write_input(tmp_path))
    assert result.absent == ["users", "admin_events", "dsr_requests"]


def test_a_missing_required_log_is_a_clear_error(tmp_path, con):
    write_log(tmp_path, "consent_events", [CONSENT])
    with pytest.raises(AuditorError, match="no access_events log"):
        load_into(con, tmp_path)


def test_the_required_logs_are_required_of_the_database_not_of_each_load(tmp_path, con):
    load_into(con, write_input(tmp_path / "sep", users=[{"user_id": "u1"}]))
    # A later load may bring one log alone: the database has the others.
    write_log(tmp_path / "oct", "consent_events", [{**CONSENT, "event_id": "c2", "action": "disconnect", "scope": ""}])
    result = load_into(con, tmp_path / "oct")
    assert [(f.log, f.rows_loaded) for f in result.files] == [("consent_events", 1)]
    assert result.absent == ["admin_events", "dsr_requests"]  # users and access_events are in the database
    # Into an empty database, the same folder is refused as ever.
    with pytest.raises(AuditorError, match="no access_events log"):
        load_into(connect(":memory:", Config()), tmp_path / "oct")


def test_user_text_is_data_not_sql(tmp_path, con):
    nasty = "u1'); DROP TABLE access_events; --"
    header_trick = {**ACCESS, "user_id": nasty, "x\" VARCHAR); DROP TABLE users; --": "1"}
    load_into(con, write_input(tmp_path, access_events=[header_trick]))
    assert con.execute("SELECT user_id FROM access_events").fetchone()[0] == nasty
    assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_loaded_files_keeps_the_evidence_trail(tmp_path, con):
    folder = write_input(tmp_path)
    load_into(con, folder)
    import hashlib

    sha = hashlib.sha256((folder / "access_events.csv").read_bytes()).hexdigest()
    row = con.execute(
        "SELECT path, size_bytes, rows_read, rows_loaded FROM loaded_files WHERE sha256 = ?", [sha]
    ).fetchone()
    assert row == (str((folder / "access_events.csv").resolve()), (folder / "access_events.csv").stat().st_size, 1, 1)


def test_unknown_file_in_a_log_folder_is_an_error(tmp_path, con):
    write_input(tmp_path)
    (tmp_path / "admin_events").mkdir()
    (tmp_path / "admin_events" / "notes.txt").write_text("hi")
    with pytest.raises(AuditorError, match="notes.txt: unsupported file type"):
        load_into(con, tmp_path)


def test_rows_sharing_a_content_hash_are_compared_in_full(tmp_path, con):
    """The 64-bit hash only proposes duplicates: a collision must never drop a distinct row."""
    from auditor.load.write import mark_duplicates, shared_ids_of_checked
    from auditor.schema import CONSENT_EVENTS

    # Four rows with one content hash: two of the same id and content, one of that id with
    # another user, one of another id.
    con.execute(
        "CREATE TEMP TABLE _checked AS SELECT * FROM (VALUES "
        "(1, 'c1', 'u1', 'new', 42::UBIGINT), (2, 'c1', 'u2', 'new', 42::UBIGINT), (3, 'c2', 'u2', 'new', 42::UBIGINT), "
        "(4, 'c1', 'u1', 'new', 42::UBIGINT)) t(_ord, event_id, user_id, _fate, _hash)"
    )
    for column in ("occurred_at", "action", "scope", "surface", "notice_version"):
        con.execute(f"ALTER TABLE _checked ADD COLUMN {column} VARCHAR")
    shared_ids_of_checked(con, CONSENT_EVENTS)
    mark_duplicates(con, CONSENT_EVENTS)
    assert con.execute("SELECT list(_fate ORDER BY _ord) FROM _checked").fetchone()[0] == ["new", "new", "new", "duplicate"]


# Parquet written by a lake: timestamps typed TIMESTAMP WITH TIME ZONE, integers typed. Such a
# column is taken as read (no text to parse) and must load as its text would.
def _typed_parquet(path, rows, types):
    """Write rows of text as Parquet, each column in `types` cast to that DuckDB type."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(dict.fromkeys(k for row in rows for k in row))
    pq.write_table(pa.table({c: pa.array([row.get(c) for row in rows], pa.string()) for c in columns}), path)
    scratch = connect(":memory:", Config())
    casts = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in types.items() if c in columns)
    scratch.execute(f"COPY (SELECT * REPLACE ({casts}) FROM read_parquet('{path}')) TO '{path}.typed' (FORMAT parquet)")
    scratch.close()
    path.with_name(path.name + ".typed").replace(path)
    return path


TYPED = {"occurred_at": "TIMESTAMPTZ", "session_end": "TIMESTAMPTZ", "connection_degree": "BIGINT"}


def test_typed_parquet_loads_as_its_text_does(tmp_path):
    rows = [{**ACCESS, "event_id": "a1", "connection_degree": "2", "session_end": "2026-10-01T11:00:00.25Z"},
            {**ACCESS, "event_id": "a2", "occurred_at": "2026-10-01T12:00:00+02:00"}]
    tables = {}
    for fmt in ("csv", "parquet"):
        write_input(tmp_path / fmt, "csv" if fmt == "csv" else "parquet", access_events=rows)
        if fmt == "parquet":
            _typed_parquet(tmp_path / fmt / "access_events.parquet", rows, TYPED)
        db = connect(":memory:", Config())
        assert_reconciled(load_into(db, tmp_path / fmt))
        tables[fmt] = db.execute("SELECT * EXCLUDE (_file_id, _line) FROM access_events ORDER BY event_id").fetchall()
        db.close()
    assert tables["parquet"] == tables["csv"]  # values and content hashes
    assert tables["parquet"][1][1] == datetime(2026, 10, 1, 10, tzinfo=UTC)


def test_typed_parquet_values_the_contract_refuses_are_rejected(tmp_path, con):
    rows = [{**ACCESS, "event_id": "a1", "connection_degree": "-1"},
            {**ACCESS, "event_id": "a2", "occurred_at": None},
            {**ACCESS, "event_id": "a3"}]
    write_input(tmp_path, "parquet", access_events=rows)
    _typed_parquet(tmp_path / "access_events.parquet", rows, TYPED)
    result = load_into(con, tmp_path)
    assert_reconciled(result)
    assert rejected(con) == [("access_events.parquet", 1, "connection_degree", "bad_integer"),
                             ("access_events.parquet", 2, "occurred_at", "missing_value")]
    messages = [m for (m,) in con.execute("SELECT message FROM rejected_rows ORDER BY line").fetchall()]
    assert messages == ['connection_degree: "-1" is not an integer', "occurred_at is empty"]
    assert con.execute("SELECT list(event_id) FROM access_events").fetchone()[0] == ["a3"]


def test_a_naive_typed_timestamp_is_read_as_text_and_needs_a_time_zone(tmp_path, con):
    # A Parquet TIMESTAMP without time zone is naive: refused unless time.naive_timezone is set.
    write_input(tmp_path, "parquet")
    _typed_parquet(tmp_path / "access_events.parquet", [ACCESS], {"occurred_at": "TIMESTAMP"})
    load_into(con, tmp_path)
    assert rejected(con) == [("access_events.parquet", 1, "occurred_at", "naive_timestamp")]


def test_parquet_rows_are_written_once_and_duplicates_rejects_still_set_aside(tmp_path, con):
    # Parquet rows go straight into the log's table, except those that may be duplicates (their
    # id is shared in the file, or their content was loaded before) and rejected ones, which go
    # through the same steps as a CSV's: same counts, same table, same quarantine.
    load_into(con, write_input(tmp_path / "before", "parquet",
                               access_events=[{**ACCESS, "event_id": "old"}]))
    rows = [{**ACCESS, "event_id": "n1"}, {**ACCESS, "event_id": "old"}, {**ACCESS, "event_id": "n2"},
            {**ACCESS, "event_id": " n2"}, {**ACCESS, "event_id": "n2", "app": "teams"},
            {**ACCESS, "event_id": "bad", "direction": "up"}, {**ACCESS, "event_id": "n3"}]
    write_input(tmp_path / "now", "parquet", access_events=rows, consent_events=[{**CONSENT, "event_id": "c9"}])
    result = load_into(con, tmp_path / "now")
    assert_reconciled(result)
    stats = next(f for f in result.files if f.log == "access_events")
    assert (stats.rows_read, stats.rows_loaded, stats.rows_rejected, stats.duplicates) == (7, 4, 1, 2)
    assert rejected(con) == [("access_events.parquet", 6, "direction", "bad_enum")]
    kept = con.execute("SELECT event_id, app, _line FROM access_events WHERE _file_id = ? ORDER BY _line",
                       [stats.file_id]).fetchall()
    assert kept == [("n1", None, 1), ("n2", None, 3), ("n2", "teams", 5), ("n3", None, 7)]
    recorded = con.execute("SELECT rows_read, rows_loaded, rows_rejected, duplicates FROM loaded_files "
                           "WHERE file_id = ?", [stats.file_id]).fetchone()
    assert recorded == (7, 4, 1, 2)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_the_same_bad_value_in_many_rows_is_reported_for_each_row(tmp_path, con, fmt):
    # A value is judged the same wherever it occurs, but each row that holds it is rejected on its
    # own line, with its own first column and all of its own messages; the same raw value in
    # another column is judged by that column's rule. More rows than one DuckDB vector (2,048).
    enum = 'direction: "sideways" is not one of: linkedin_to_microsoft, microsoft_to_linkedin'
    country = '{}: "Sweden" is not a two-letter country code'
    pattern = [
        ({}, None),
        ({"direction": "sideways"}, ("direction", "bad_enum", enum)),
        ({"direction": " LinkedIn_To_Microsoft "}, None),
        ({"source_region": "Sweden"}, ("source_region", "bad_country", country.format("source_region"))),
        ({"direction": "sideways", "source_region": "Sweden"},
         ("direction", "bad_enum", enum + "; " + country.format("source_region"))),
        ({"destination_region": "Sweden"}, ("destination_region", "bad_country", country.format("destination_region"))),
        ({"source_region": "se"}, None),
        ({"direction": " "}, ("direction", "missing_value", "direction is empty")),
    ]
    rows, expected = [], []
    for i in range(400):
        for k, (change, error) in enumerate(pattern):
            rows.append({**ACCESS, "event_id": f"a{i}-{k}", **change})
            if error:
                expected.append((len(rows), *error))
    result = load_into(con, write_input(tmp_path, fmt, access_events=rows))
    assert_reconciled(result)
    stats = next(f for f in result.files if f.log == "access_events")
    assert (stats.rows_read, stats.rows_loaded, stats.rows_rejected) == (3200, 1200, 2000)
    header = 1 if fmt == "csv" else 0
    got = con.execute("SELECT line, column_name, rule, message FROM rejected_rows ORDER BY line").fetchall()
    assert got == [(line + header, *error) for line, *error in expected]
    kept = con.execute("SELECT direction, source_region, count(*) FROM access_events GROUP BY ALL ORDER BY ALL").fetchall()
    assert kept == [("linkedin_to_microsoft", "SE", 400), ("linkedin_to_microsoft", None, 800)]
