"""Real exports (auditor/adapters): Graph directory audits, the Microsoft 365 audit log, snapshots.

tests/fixtures/exports/ is a small tenant (contoso.se) as its exports come: a Graph page saved as
pretty-printed JSON, Graph PowerShell output as JSON Lines (PascalCase keys, CRLF), the unified
audit log in the classic layout (with Export-Csv's #TYPE line, Swedish-locale CreationDate) and
the Purview layout (US-locale CreationDate, a BOM), setting snapshots, and the organisation's own
admin_events.csv and access_events.csv. Its auditor.toml names the LinkedIn app and group.
tests/fixtures/exports_2026-11/ is the same tenant's November: exports only (see below).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import REPO, assert_row_hashes, assert_reconciled

from auditor.adapters.records import create_macros
from auditor.check import run_check, select_controls
from auditor.cli import main
from auditor.config import Config, Sources, load_config
from auditor.db import connect
from auditor.errors import AuditorError
from auditor.ingest import load

FIXTURES = REPO / "tests" / "fixtures" / "exports"
CONFIG = load_config(FIXTURES / "auditor.toml")
APP = CONFIG.sources.linkedin_app_ids[0]
GROUP = CONFIG.sources.selected_group_id
UTC = timezone.utc


@pytest.fixture(scope="module")
def tenant():
    """The fixture folder loaded once: (connection, LoadResult)."""
    con = connect(":memory:", CONFIG)
    result = load(con, FIXTURES, CONFIG)
    yield con, result
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


# --- the sample exports ------------------------------------------------------------------------

def test_every_record_is_accounted_for(tenant):
    con, result = tenant
    assert result.overlaps == 0 and result.roles_changed == 0
    assert_reconciled(result)
    got = {e.file: (e.records, e.mapped, e.unmapped, e.failed, e.context) for e in result.exports}
    assert got == {
        "directoryAudits_2026-10.json": (32, 19, 8, 2, 3),
        "directoryAudits_2026-10-30.jsonl": (6, 4, 1, 1, 0),
        "AuditLog_2026-10-08_2026-10-25.csv": (13, 6, 6, 1, 0),
        "Audit_Log_Search_2026-10-25_2026-10-31.csv": (12, 6, 4, 1, 1),
        "linkedin_setting_snapshots.csv": (15, 4, 0, 0, 0),  # 15 snapshots, 4 changes
    }
    for e in result.exports:
        if e.format != "linkedin_snapshots":
            assert e.records == e.mapped + e.unmapped + e.failed + e.context
    # The mapped rows of an export = what its loaded_files rows read = loaded + rejected + duplicates.
    per_file = rows(con, """
        SELECT f.path, sum(f.rows_read), sum(f.rows_loaded + f.rows_rejected + f.duplicates),
               (SELECT count(*) FROM source_events s WHERE s.sha256 = any_value(f.sha256) AND s.status = 'mapped')
        FROM loaded_files f WHERE f.format IN ('graph_directory_audit', 'm365_audit_csv') GROUP BY f.path""")
    assert len(per_file) == 4 and all(read == kept == mapped for _, read, kept, mapped in per_file)
    # The Purview export repeats the classic export's last record: an exact duplicate, skipped.
    assert sum(f.duplicates for f in result.files) == 1
    formats = dict(rows(con, "SELECT format, count(*) FROM loaded_files GROUP BY format"))
    assert formats == {"csv": 2, "graph_directory_audit": 4, "m365_audit_csv": 4, "linkedin_snapshots": 2}


def _upn(con, event_id):
    return rows(con, "SELECT coalesce(actor_upn, actor_id) FROM source_events WHERE record_id = ?", event_id)[0][0]


def test_consents_map_to_connect_and_disconnect(tenant):
    con, _ = tenant
    got = rows(con, """
        SELECT split_part(s.actor_upn, '@', 1), c.action, c.scope, s.format
        FROM consent_events c JOIN source_events s ON s.file_id = c._file_id AND s.record_id = c.event_id
        ORDER BY c.occurred_at""")
    assert [(u, a, sc) for u, a, sc, _ in got] == [
        ("maria.lind", "connect", "bidirectional"), ("karl.strom", "connect", "bidirectional"),
        ("johan.ek", "connect", "bidirectional"), ("sara.nyberg", "connect", "bidirectional"),
        ("oskar.dahl", "connect", "bidirectional"), ("emma.sjo", "connect", "bidirectional"),
        ("hanna.lund", "connect", "bidirectional"), ("olof.berg", "connect", "bidirectional"),
        ("sara.nyberg", "disconnect", None), ("olof.berg", "disconnect", None),
        ("maja.sund", "connect", "bidirectional"),
        ("lisa.falk", "connect", "bidirectional"), ("ida.wikstrom", "connect", "bidirectional"),
        ("maja.sund", "disconnect", None),
    ]
    # The user is the directory object id, never the UPN.
    assert rows(con, "SELECT count(*) FROM consent_events WHERE user_id LIKE '%@%'") == [(0,)]


def test_group_membership_maps_with_the_actors_role(tenant):
    con, _ = tenant
    got = rows(con, """
        SELECT split_part(coalesce(s.actor_upn, 'app:' || s.actor_app_id), '@', 1), a.actor_role, a.action,
               split_part(s.target_upn, '@', 1), a.group_id = ?
        FROM admin_events a JOIN source_events s ON s.file_id = a._file_id AND s.record_id = a.event_id
        ORDER BY a.occurred_at""", GROUP)
    hr_app = "app:" + rows(con, "SELECT actor_app_id FROM source_events WHERE actor_app_id IS NOT NULL")[0][0]
    adds = [("anna.berg", "global_administrator", "group_add", m, True) for m in
            ("maria.lind", "johan.ek", "sara.nyberg", "oskar.dahl", "emma.sjo", "karl.strom", "lisa.falk", "nils.berg")]
    assert got == [
        *adds,
        ("erik.holm", "user_administrator", "group_add", "ida.wikstrom", True),  # role assigned on 09-29
        (hr_app, "application", "group_add", "ulla.ek", True),  # an app acting alone
        ("anna.berg", "global_administrator", "group_add", "hanna.lund", True),
        ("lars.nilsson", "user_administrator", "group_add", "olof.berg", True),  # [sources] role_holders, by UPN
        ("anna.berg", "global_administrator", "group_remove", "nils.berg", True),
        ("erik.holm", "user", "group_add", "per.lund", True),  # role removed on 10-05
        ("anna.berg", "global_administrator", "group_remove", "hanna.lund", True),
        ("anna.berg", "global_administrator", "group_add", "maja.sund", True),
        ("viktor.ahl", "groups_administrator", "group_add", "tove.holm", True),  # a role name not in [sources] roles
        ("anna.berg", "global_administrator", "group_add", "sven.ek", True),
        ("anna.berg", "global_administrator", "group_add", "viktor.ahl", True),
        ("lars.nilsson", "user_administrator", "group_remove", "emma.sjo", True),
    ]


def test_role_records_loaded_later_give_earlier_events_their_roles(tenant, tmp_path):
    # The two exports that hold the role assignments are loaded after the others, one at a time:
    # the events already loaded get the roles a single load gives them, with the same content
    # hashes, so the copies of those events in the later exports are duplicates.
    later = ["directoryAudits_2026-10.json", "Audit_Log_Search_2026-10-25_2026-10-31.csv"]
    first = tmp_path / "first"
    first.mkdir()
    for path in FIXTURES.iterdir():
        if path.name not in later:
            (first / path.name).write_bytes(path.read_bytes())
    con = connect(":memory:", CONFIG)
    assert load(con, first, CONFIG).roles_changed == 0
    table = "SELECT event_id, occurred_at, actor_id, actor_role, action, group_id, target_user_id, _hash FROM admin_events ORDER BY ALL"
    before = rows(con, table)
    changed = [load(con, FIXTURES / name, CONFIG).roles_changed for name in later]
    assert rows(con, table) == rows(tenant[0], table)
    differ = len(set(before) - set(rows(con, table)))
    assert differ > 0 and changed == [differ, 0]  # the second export's role records are the first's


def test_snapshot_changes_become_admin_events(tenant):
    con, _ = tenant
    got = rows(con, """
        SELECT a.event_id, a.occurred_at, a.actor_id, a.actor_role, a.action, a.group_id = ?, a._line
        FROM admin_events a JOIN loaded_files f ON f.file_id = a._file_id WHERE f.format = 'linkedin_snapshots'
        ORDER BY 1""", GROUP)
    at = lambda d: datetime(2026, 10, d, 6, tzinfo=UTC)  # noqa: E731
    assert got == [
        ("snapshot-2026-10-01T06:00:00Z", at(1), "snapshot", "global_administrator", "enable_group", True, 4),
        ("snapshot-2026-10-12T06:00:00Z", at(12), "snapshot", "global_administrator", "enable_all", None, 8),
        ("snapshot-2026-10-21T06:00:00Z", at(21), "snapshot", "global_administrator", "enable_group", True, 12),
        ("snapshot-2026-10-30T06:00:00Z", at(30), "snapshot", "global_administrator", "disable", None, 15),
    ]
    # The snapshot taken without an offset is rejected like any log row, with its line.
    assert rows(con, "SELECT file, line, rule FROM rejected_rows") == [("linkedin_setting_snapshots.csv", 10, "naive_timestamp")]


def test_each_row_holds_the_hash_of_its_id(tenant):
    assert_row_hashes(tenant[0])
    assert tenant[0].execute("SELECT count(*) FROM linkedin_setting_snapshots").fetchone()[0] > 0


def test_every_row_points_to_its_origin_in_the_export(tenant):
    con, _ = tenant
    doc = json.loads((FIXTURES / "directoryAudits_2026-10.json").read_text())
    graph = rows(con, """
        SELECT a.event_id, a._line, a._extra->>'$.pointer', f.path FROM admin_events a JOIN loaded_files f ON f.file_id = a._file_id
        WHERE f.format = 'graph_directory_audit' AND f.path LIKE '%.json'""")
    assert len(graph) == 12
    for event_id, line, pointer, path in graph:
        index = int(pointer.removeprefix("$.value[").removesuffix("]"))
        assert line is None and doc["value"][index]["id"] == event_id and path.endswith("directoryAudits_2026-10.json")
    jsonl = (FIXTURES / "directoryAudits_2026-10-30.jsonl").read_text().splitlines()
    for event_id, line, pointer in rows(con, """
            SELECT event_id, _line, _extra->>'$.pointer' FROM consent_events c JOIN loaded_files f ON f.file_id = c._file_id
            WHERE f.path LIKE '%.jsonl'"""):
        assert pointer == f"line {line}" and json.loads(jsonl[line - 1])["Id"] == event_id
    classic = (FIXTURES / "AuditLog_2026-10-08_2026-10-25.csv").read_text(encoding="utf-8").splitlines()
    for event_id, line in rows(con, """
            SELECT event_id, _line FROM consent_events c JOIN loaded_files f ON f.file_id = c._file_id
            WHERE f.path LIKE '%AuditLog_2026-10-08%'"""):
        assert event_id in classic[line - 1]  # line 1 is Export-Csv's #TYPE line, 2 the header
    # Every source record keeps its raw text and pointer, mapped or not.
    assert rows(con, "SELECT count(*) FROM source_events WHERE raw IS NULL OR pointer IS NULL") == [(0,)]


def test_failures_are_kept_out_of_the_logs(tenant):
    con, result = tenant
    failed = rows(con, "SELECT record_id, activity, result FROM source_events WHERE status = 'failed' ORDER BY occurred_at")
    assert [(a, r.lower()) for _, a, r in failed] == [
        ("Add member to group", "failure"), ("Add member to group.", "failure"), ("Consent to application", "failure"),
        ("Consent to application.", "failure"), ("Consent to application", "failure"),
    ]
    ids = [r[0] for r in failed]
    loaded = rows(con, "SELECT event_id FROM admin_events UNION ALL SELECT event_id FROM consent_events")
    assert not set(ids) & {r[0] for r in loaded}
    graph = next(e for e in result.exports if e.file == "directoryAudits_2026-10.json")
    assert graph.failed_by_activity == [("Add member to group", "result: failure", 1), ("Consent to application", "result: failure", 1)]


def test_unmapped_activities_are_counted_per_activity(tenant):
    _, result = tenant
    graph = next(e for e in result.exports if e.file == "directoryAudits_2026-10.json")
    assert graph.unmapped_by_activity == [
        ("Add member to group", "not the LinkedIn group", 2),
        ("Add user", "activity not mapped", 1),
        ("Consent to application", "admin consent for the organisation, not a user's own choice", 1),
        ("Consent to application", "not a LinkedIn app", 1),
        ("Remove delegated permission grant", "not a LinkedIn app", 1),
        ("Reset user password", "activity not mapped", 1),
        ("Update user", "activity not mapped", 1),
    ]


def test_the_load_summary_names_what_was_not_mapped(tmp_path):
    db = str(tmp_path / "a.duckdb")
    result = CliRunner().invoke(main, ["--config", str(FIXTURES / "auditor.toml"), "load", str(FIXTURES), "--db", db])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "directoryAudits_2026-10.json (graph_directory_audit): 32 record(s) = 19 mapped + 8 unmapped + 2 failed + 3" in out
    assert "Reset user password (activity not mapped): 1" in out
    assert "linkedin_setting_snapshots.csv (linkedin_snapshots): 15 snapshot(s), 4 setting change(s) derived" in out
    again = CliRunner().invoke(main, ["--config", str(FIXTURES / "auditor.toml"), "load", str(FIXTURES), "--db", db])
    assert again.exit_code == 0 and again.output.count("already loaded") == 7
    con = duckdb.connect(db, read_only=True)
    assert rows(con, "SELECT count(*) FROM source_events") == [(63,)]  # a re-load changes nothing
    con.close()


# --- November: the month's exports alone, as Microsoft writes them, into October's database ------
#
# tests/fixtures/exports_2026-11/ holds only exports: a Graph page (grant removals whose only target
# is the resource service principal, Microsoft Graph, naming LinkedIn and the user in modified
# properties; an admin-consent removal), Windows PowerShell 5.1 JSON Lines (UTF-16, "\/Date(ms)\/"
# dates, one with +0100; a role removal ending lars.nilsson's role_holders assignment), the classic
# audit log (the twin of a Graph grant removal; a removal naming LinkedIn only in additionalDetails)
# and the Purview audit log (the twin of a PowerShell group change; lars changing the group after
# losing his role; a grant removal naming LinkedIn only in ModifiedProperties).

NOVEMBER = REPO / "tests" / "fixtures" / "exports_2026-11"
USERS = {"karl": "b3805d2c-e896-4b51-8325-8db15e773747", "johan": "3d2e26ec-5f13-4c41-b2b7-1e46dab6d37c",
         "maria": "709309ce-7529-4168-b7de-571bf6a2e42e", "hanna": "4117d868-9aae-41ec-b0a7-59011d9d0637",
         "ida": "6f4d1b00-3cd2-4bed-8a9a-c29b95c216e1", "oskar": "9e4ba4cc-9331-4691-99b5-a7371142c125",
         "lars": "60c4d484-f5ce-4038-85db-956e2ec2bfa5"}
# The organisation's November access log: one flow per user after the disconnects (oskar never disconnected).
NOVEMBER_ACCESS = "event_id,occurred_at,user_id,direction,category,session_id\n" + "".join(
    f"acc-11{n:02d},2026-11-{day}T12:00:00Z,{USERS[who]},linkedin_to_microsoft,profile,s-11{n:02d}\n"
    for n, (who, day) in enumerate([("karl", "04"), ("johan", "06"), ("maria", "09"), ("hanna", "19"), ("ida", "23"),
                                    ("oskar", "25")]))


@pytest.fixture(scope="module")
def november(tmp_path_factory):
    """October's folder, then November's exports alone, then November's access log alone, into one
    database: (connection, the LoadResult of November's exports)."""
    con = connect(":memory:", CONFIG)
    load(con, FIXTURES, CONFIG)
    result = load(con, NOVEMBER, CONFIG)
    access = tmp_path_factory.mktemp("november_access")
    (access / "access_events.csv").write_text(NOVEMBER_ACCESS)
    load(con, access, CONFIG)
    yield con, result
    con.close()


def _findings(con: duckdb.DuckDBPyConnection, controls: tuple[str, ...]) -> set[tuple[str, str]]:
    """(control, event_id) of the findings of `controls` up to the end of November."""
    run = run_check(con, CONFIG, select_controls(controls), datetime(2026, 12, 1, tzinfo=UTC))
    return set(rows(con, "SELECT control, event_id FROM findings WHERE run_id = ?", run.run_id))


def test_a_months_exports_alone_load_into_a_database_that_has_the_required_logs(november):
    con, result = november
    assert result.absent == ["users", "dsr_requests"]  # access_events is in the database, not in this load
    assert_reconciled(result)
    got = {e.file: (e.records, e.mapped, e.unmapped, e.failed, e.context) for e in result.exports}
    assert got == {
        "directoryAudits_2026-11-01_2026-11-09.json": (4, 2, 2, 0, 0),
        "directoryAudits_2026-11-10_2026-11-30_ps51.json": (4, 2, 1, 0, 1),
        "AuditLog_2026-11-01_2026-11-15.csv": (3, 2, 1, 0, 0),
        "Audit_Log_Search_2026-11-15_2026-11-30.csv": (3, 3, 0, 0, 0),
    }
    assert (result.twins, result.overlaps, result.roles_changed) == (2, 0, 0)
    assert rows(con, "SELECT count(*) FROM rejected_rows JOIN loaded_files f USING (file_id) WHERE f.path LIKE '%2026-11%'") == [(0,)]


def test_an_export_only_load_into_an_empty_database_is_refused(tmp_path):
    db = tmp_path / "new.duckdb"
    result = CliRunner().invoke(main, ["--config", str(FIXTURES / "auditor.toml"), "load", str(NOVEMBER), "--db", str(db)])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "Traceback" not in result.output
    assert f"{NOVEMBER}: no access_events log (expected access_events.csv" in result.output
    assert not db.exists()  # a failed load leaves no database it made
    for folder in (FIXTURES, NOVEMBER):
        ok = CliRunner().invoke(main, ["--config", str(FIXTURES / "auditor.toml"), "load", str(folder), "--db", str(db)])
        assert ok.exit_code == 0, ok.output
    assert "2 record(s) loaded now are the same change as a record of an export of the other format" in " ".join(ok.output.split())


def test_a_grant_removal_naming_linkedin_only_in_its_properties_is_a_disconnect(november):
    con, result = november
    by_id = {v: k for k, v in USERS.items()}
    # Every grant removal of November, in each kind of export: the only target is the resource
    # (Microsoft Graph); LinkedIn is named in ServicePrincipal.ObjectID or additionalDetails.
    removals = rows(con, """
        SELECT split_part(path, '/', -1), user_id, split_part(actor_upn, '@', 1), status, action FROM source_events
        WHERE occurred_at >= '2026-11-01' AND activity LIKE 'Remove delegated permission grant%' ORDER BY occurred_at, format""")
    assert [(f, by_id.get(u), who, status, action) for f, u, who, status, action in removals] == [
        ("directoryAudits_2026-11-01_2026-11-09.json", "karl", "karl.strom", "mapped", "disconnect"),  # by the user
        ("AuditLog_2026-11-01_2026-11-15.csv", "johan", "anna.berg", "mapped", "disconnect"),  # by an admin: the grant's principal
        ("directoryAudits_2026-11-01_2026-11-09.json", "johan", "anna.berg", "mapped", "disconnect"),  # the same change
        ("directoryAudits_2026-11-01_2026-11-09.json", None, "anna.berg", "unmapped", None),  # all principals: admin consent
        ("AuditLog_2026-11-01_2026-11-15.csv", "maria", "maria.lind", "mapped", "disconnect"),  # AppId in additionalDetails
        ("directoryAudits_2026-11-10_2026-11-30_ps51.json", "hanna", "hanna.lund", "mapped", "disconnect"),
        ("Audit_Log_Search_2026-11-15_2026-11-30.csv", "ida", "ida.wikstrom", "mapped", "disconnect"),
    ]
    graph = next(e for e in result.exports if e.file.endswith("11-09.json"))
    assert ("Remove delegated permission grant", "admin consent for the organisation removed, not a user's own choice", 1) \
        in graph.unmapped_by_activity
    # One canonical disconnect per change, dated as recorded.
    got = rows(con, "SELECT user_id, action, occurred_at FROM consent_events WHERE occurred_at >= '2026-11-01' ORDER BY occurred_at")
    assert [(by_id[u], a, t.day) for u, a, t in got] == [
        ("karl", "disconnect", 3), ("johan", "disconnect", 5), ("maria", "disconnect", 8), ("hanna", "disconnect", 18),
        ("ida", "disconnect", 22)]
    # Each access after one of these disconnects is a finding; oskar, still connected, is none.
    assert _findings(con, ("access-after-disconnect",)) == {("access-after-disconnect", f"acc-11{n:02d}") for n in range(5)}


def test_a_recorded_role_removal_ends_a_role_holders_assignment(november):
    con, _ = november
    # [sources] role_holders says lars.nilsson was User Administrator before the exports; the
    # PowerShell export records his removal on 11-10, so his group change of 11-20 is a user's.
    got = rows(con, """SELECT occurred_at::DATE::VARCHAR, actor_role, action FROM admin_events
                       WHERE actor_id = ? ORDER BY occurred_at""", USERS["lars"])
    assert got == [("2026-10-09", "user_administrator", "group_add"), ("2026-10-20", "user_administrator", "enable_group"),
                   ("2026-10-30", "user_administrator", "group_remove"), ("2026-11-20", "user", "group_add")]
    assert ("admin-authority", "d4c3b2a1-0f9e-4d8c-b7a6-958473625140") in _findings(con, ("admin-authority",))


def test_powershell_51_dates_are_read(november):
    con, _ = november
    # "\/Date(ms)\/" is milliseconds since the epoch, UTC; "+0100" only names the zone it was shown in.
    got = rows(con, """SELECT activity, occurred_text, occurred_at FROM source_events
                       WHERE path LIKE '%ps51.json' ORDER BY seq""")
    at = lambda *a: datetime(2026, 11, *a, tzinfo=UTC)  # noqa: E731
    assert got == [
        ("Remove member from role", "2026-11-10T07:30:02.345Z", at(10, 7, 30, 2, 345000)),  # the role record's time too
        ("Add member to group", "2026-11-16T09:12:40.600Z", at(16, 9, 12, 40, 600000)),
        ("Remove delegated permission grant", "2026-11-18T15:05:31.773Z", at(18, 15, 5, 31, 773000)),
        ("Update user", "2026-11-24T12:00:19.067Z", at(24, 12, 0, 19, 67000)),
    ]
    raw = json.loads(rows(con, "SELECT raw FROM source_events WHERE path LIKE '%ps51.json' AND seq = 3")[0][0])
    assert raw["ActivityDateTime"] == "/Date(1795014331773+0100)/"  # the record as exported


def test_powershell_51_date_forms(con):
    create_macros(con)
    got = rows(con, """SELECT xa_time(v) FROM (VALUES (1, '/Date(1758000000000)/'), (2, '\\/Date(1758000000000+0200)\\/'),
                       (3, '/Date(1758000000123-0500)/'), (4, '/Date(-1000)/'), (5, '2026-11-10T07:30:02Z'), (6, '/Date(x)/'))
                       t(n, v) ORDER BY n""")
    assert [r[0] for r in got] == ["2025-09-16T05:20:00.000Z", "2025-09-16T05:20:00.000Z", "2025-09-16T05:20:00.123Z",
                                   "1969-12-31T23:59:59.000Z", "2026-11-10T07:30:02Z", "/Date(x)/"]  # the last is rejected later


def test_the_same_change_in_graph_and_the_audit_log_is_one_row(november):
    con, _ = november
    # The classic audit log's grant removal and the Graph page's share a correlation id
    # (InterSystemsId / correlationId); so do the Purview group change and PowerShell's. The
    # audit-log exports are read first (by name), so their records keep the rows.
    twins = rows(con, """
        SELECT split_part(s.path, '/', -1), s.record_id, split_part(o.path, '/', -1), o.record_id
        FROM source_twins t
        JOIN source_events s ON (s.sha256, s.pointer) = (t.sha256, t.pointer)
        JOIN source_events o ON (o.sha256, o.pointer) = (t.of_sha256, t.of_pointer)
        ORDER BY s.occurred_at""")
    assert [(twin, of) for twin, _, of, _ in twins] == [
        ("directoryAudits_2026-11-01_2026-11-09.json", "AuditLog_2026-11-01_2026-11-15.csv"),
        ("directoryAudits_2026-11-10_2026-11-30_ps51.json", "Audit_Log_Search_2026-11-15_2026-11-30.csv")]
    for _, twin_id, _, kept_id in twins:  # one row per change, under the id of the record kept
        assert rows(con, "SELECT count(*) FROM consent_events WHERE event_id = ? UNION ALL "
                         "SELECT count(*) FROM admin_events WHERE event_id = ?", twin_id, twin_id) == [(0,), (0,)]
        assert rows(con, "SELECT count(*) FROM (SELECT event_id FROM consent_events UNION ALL SELECT event_id FROM admin_events) "
                         "WHERE event_id = ?", kept_id) == [(1,)]
    assert rows(con, "SELECT count(*) FROM consent_events WHERE user_id = ? AND occurred_at >= '2026-11-01'", USERS["johan"]) == [(1,)]


# --- the rules, each with the smallest export that shows it -------------------------------------

def graph_record(n: int, activity: str = "Add member to group", result: str = "success", **kw: object) -> dict:
    member, group = f"00000000-0000-4000-8000-{n:012d}", kw.pop("group", GROUP)
    record = {
        "id": f"Directory_{n}", "category": "GroupManagement", "result": result, "activityDisplayName": activity,
        "activityDateTime": f"2026-10-0{n}T10:00:00.1234567Z", "loggedByService": "Core Directory",
        "initiatedBy": {"user": {"id": "admin-1", "userPrincipalName": "admin@contoso.se"}, "app": None},
        "targetResources": [
            {"id": member, "type": "User", "userPrincipalName": f"u{n}@contoso.se", "modifiedProperties": [
                {"displayName": "Group.ObjectID", "oldValue": None, "newValue": json.dumps(group)}]}],
    }
    record.update(kw)
    return record


CONSENTS = "event_id,occurred_at,user_id,action\n"  # an empty consent log, for folders whose exports hold none


def load_exports(tmp_path: Path, files: dict[str, str | bytes], config: Config = CONFIG, fmt: str = "auto"):
    folder = tmp_path / "in"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "access_events.csv").write_text((FIXTURES / "access_events.csv").read_text())
    for name, text in files.items():
        (folder / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    con = connect(":memory:", config)
    return con, load(con, folder, config, fmt=fmt)


def _camel(o):
    """PascalCase keys (Graph PowerShell) back to the REST API's camelCase."""
    if isinstance(o, dict):
        return {k[0].lower() + k[1:]: _camel(v) for k, v in o.items() if k != "AdditionalProperties"}
    return [_camel(v) for v in o] if isinstance(o, list) else o


CANONICAL = """SELECT 'a', event_id, occurred_at, actor_id, actor_role, action, group_id, target_user_id, NULL FROM admin_events
               UNION ALL SELECT 'c', event_id, occurred_at, user_id, NULL, action, NULL, NULL, scope FROM consent_events
               ORDER BY ALL"""


def test_keys_are_matched_case_insensitively(tmp_path):
    pascal = (FIXTURES / "directoryAudits_2026-10-30.jsonl").read_text()
    camel = "\n".join(json.dumps(_camel(json.loads(line))) for line in pascal.splitlines())
    assert '"Type"' in pascal and '"NewValue"' in pascal and '"Type"' not in camel and '"newValue"' in camel
    tables = []
    for name, text in (("pascal", pascal), ("camel", camel)):
        con, _ = load_exports(tmp_path / name, {"audit.jsonl": text})
        tables.append(rows(con, CANONICAL))
        con.close()
    assert tables[0] == tables[1] and len(tables[0]) == 4


def test_json_inside_strings_is_decoded(tmp_path, con):
    create_macros(con)
    decoded = rows(con, "SELECT xa_decode(v) FROM (VALUES (1, '\"False\"'), (2, '[true]'), (3, '[\"Sales\"]'), (4, 'plain-id'), "
                        "(5, '[]'), (6, 'null'), (7, '[1, 2]')) t(n, v) ORDER BY n")
    assert [r[0] for r in decoded] == ["False", "true", "Sales", "plain-id", None, None, "[1, 2]"]
    # The group is read from Group.ObjectID's JSON-in-string newValue when no Group target is given.
    con2, result = load_exports(tmp_path, {"audit.json": json.dumps({"value": [graph_record(1)]})})
    assert rows(con2, "SELECT action, group_id FROM admin_events") == [("group_add", GROUP)]
    # An admin consent says so in "\"True\"": it is not a user's own connect.
    consent = graph_record(2, "Consent to application", targetResources=[{
        "id": "sp-1", "type": "ServicePrincipal", "modifiedProperties": [
            {"displayName": "ConsentContext.IsAdminConsent", "newValue": "\"True\""},
            {"displayName": "TargetId.ServicePrincipalNames", "newValue": json.dumps(f"{APP};https://www.linkedin.com")}]}])
    con3, result = load_exports(tmp_path / "2", {"audit.json": json.dumps([consent])})
    assert rows(con3, "SELECT status, detail FROM source_events") == [
        ("unmapped", "admin consent for the organisation, not a user's own choice")]


AUDIT = {"CreationTime": "2023-09-20T11:05:03", "Id": "4c2b0a4e-0d7e-4bd8-9a3b-0e1f2a3b4c5d", "Operation": "Add member to group.",
         "RecordType": 8, "ResultStatus": "Success", "Workload": "AzureActiveDirectory", "UserId": "admin@contoso.se",
         "ModifiedProperties": [{"Name": "Group.ObjectID", "NewValue": GROUP, "OldValue": ""}],
         "Actor": [{"ID": "admin@contoso.se", "Type": 5}, {"ID": "User_11111111-1111-4111-8111-111111111111", "Type": 2}],
         "Target": [{"ID": "User_22222222-2222-4222-8222-222222222222", "Type": 2}, {"ID": "member@contoso.se", "Type": 5}]}


def _csv(header: list[str], records: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *records])
    return buf.getvalue()


def test_both_csv_layouts_and_the_locale_date_is_ignored(tmp_path):
    data = json.dumps(AUDIT)
    classic = _csv(["CreationDate", "UserIds", "Operations", "AuditData"], [["20.09.2023 13:05:03", "admin@contoso.se", "Add member to group.", data]])
    purview = _csv(["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData", "AssociatedAdminUnits",
                    "AssociatedAdminUnitsNames"], [[AUDIT["Id"], "9/20/2023 4:05:03 AM", "AzureActiveDirectory",
                                                    "Add member to group.", "admin@contoso.se", data, "", ""]])
    got = []
    for name, text in (("classic", classic), ("purview", purview)):
        con, result = load_exports(tmp_path / name, {f"{name}.csv": text})
        assert result.exports[0].format == "m365_audit_csv"
        got.append(rows(con, "SELECT event_id, occurred_at, actor_id, actor_role, action, group_id, target_user_id, _line FROM admin_events"))
        con.close()
    assert got[0] == got[1] == [(AUDIT["Id"], datetime(2023, 9, 20, 11, 5, 3, tzinfo=UTC), "11111111-1111-4111-8111-111111111111",
                                 "unknown", "group_add", GROUP, "22222222-2222-4222-8222-222222222222", 2)]


def _twins(correlation: str | None, graph_at: str = "2023-09-20T11:05:03.9876543Z") -> tuple[str, str]:
    """A change as the audit log (classic CSV) and Graph record it; `correlation`, when given, is
    the audit log's InterSystemsId and Graph's correlationId."""
    audit = {**AUDIT, "InterSystemsId": correlation} if correlation else AUDIT
    classic = _csv(["CreationDate", "UserIds", "Operations", "AuditData"], [["20.09.2023 13:05:03", "admin@contoso.se", "Add member to group.", json.dumps(audit)]])
    record = graph_record(1, activityDateTime=graph_at, initiatedBy={"user": {"id": AUDIT["Actor"][1]["ID"].removeprefix("User_")}})
    record["targetResources"][0]["id"] = AUDIT["Target"][0]["ID"].removeprefix("User_")
    if correlation:
        record["correlationId"] = correlation
    return classic, json.dumps([record])


def test_a_change_in_both_kinds_of_export_with_no_shared_id_is_counted_and_kept_twice(tmp_path):
    classic, graph = _twins(None)
    con, result = load_exports(tmp_path / "a", {"audit.csv": classic, "graph.json": graph})
    assert result.overlaps == 2 and result.twins == 0 and rows(con, "SELECT count(*) FROM admin_events") == [(2,)]  # both ids
    assert "2 record(s) loaded now look like a record of an export of the other format" in CliRunner().invoke(
        main, ["--config", str(FIXTURES / "auditor.toml"), "load", str(tmp_path / "a" / "in"), "--db", ":memory:"]).output
    classic, graph = _twins(None, "2023-09-20T11:05:05Z")
    _, result = load_exports(tmp_path / "b", {"audit.csv": classic, "graph.json": graph})
    assert result.overlaps == 0  # two seconds apart: two changes


def test_a_change_in_both_kinds_of_export_with_a_shared_correlation_id_is_one_row(tmp_path):
    cid = "4f1e2d3c-5b6a-4789-9a0b-1c2d3e4f5a6b"
    classic, graph = _twins(cid, "2023-09-20T11:05:03.9876543Z")
    table = "SELECT event_id, occurred_at, actor_id, action, group_id, target_user_id FROM admin_events"
    # One load: the export read first (by name) keeps the row; the other record is its twin,
    # counted as its duplicate, and both are in source_events.
    con, result = load_exports(tmp_path / "a", {"audit.csv": classic, "graph.json": graph})
    assert (result.twins, result.overlaps) == (1, 0)
    assert [r[0] for r in rows(con, table)] == [AUDIT["Id"]]
    assert rows(con, "SELECT format, status FROM source_events ORDER BY format") == [
        ("graph_directory_audit", "mapped"), ("m365_audit_csv", "mapped")]
    assert rows(con, """SELECT s.format, o.format, t.correlation_id FROM source_twins t
                        JOIN source_events s ON (s.sha256, s.pointer) = (t.sha256, t.pointer)
                        JOIN source_events o ON (o.sha256, o.pointer) = (t.of_sha256, t.of_pointer)""") == [
        ("graph_directory_audit", "m365_audit_csv", cid)]
    assert {(f.file, f.rows_loaded, f.duplicates) for f in result.files if f.log == "admin_events"} == {
        ("audit.csv -> admin_events", 1, 0), ("graph.json -> admin_events", 0, 1)}
    assert_reconciled(result)
    # Either order, one load or two: one row, the first loaded's. Loading the files again at once
    # in that order (a pack's inputs, named by load order, for verify --rerun) keeps the same row.
    for first, second, kept in (("graph.json", "audit.csv", "Directory_1"), ("audit.csv", "graph.json", AUDIT["Id"])):
        text = {"audit.csv": classic, "graph.json": graph}
        con = connect(":memory:", CONFIG)
        for n, name in enumerate((first, second)):
            (tmp_path / f"{first}-{name}").write_text(text[name])
            assert load(con, tmp_path / f"{first}-{name}", CONFIG).twins == n
        assert [r[0] for r in rows(con, table)] == [kept]
        inputs = tmp_path / f"inputs-{first}"
        inputs.mkdir()
        (inputs / "access_events.csv").write_text((FIXTURES / "access_events.csv").read_text())
        for n, name in enumerate((first, second)):
            (inputs / f"{n:04d}-{name}").write_text(text[name])
        again = connect(":memory:", CONFIG)
        load(again, inputs, CONFIG)
        assert rows(again, table) == rows(con, table)
    # The same correlation id on another member's change (one request, two members) is no twin.
    other = json.loads(graph)
    other[0]["targetResources"][0]["id"] = "33333333-3333-4333-8333-333333333333"
    con, result = load_exports(tmp_path / "c", {"audit.csv": classic, "graph.json": json.dumps(other)})
    assert (result.twins, rows(con, "SELECT count(*) FROM admin_events")) == (0, [(2,)])


def test_only_successful_records_reach_the_logs(tmp_path):
    con, result = load_exports(tmp_path, {"audit.json": json.dumps({"value": [graph_record(1), graph_record(2, result="failure")]})})
    assert rows(con, "SELECT event_id FROM admin_events") == [("Directory_1",)]
    assert rows(con, "SELECT record_id, status, detail FROM source_events ORDER BY seq") == [
        ("Directory_1", "mapped", None), ("Directory_2", "failed", "result: failure")]
    assert (result.exports[0].mapped, result.exports[0].failed) == (1, 1)
    assert result.exports[0].note is None


def test_an_export_of_only_the_first_pages_says_so(tmp_path):
    page = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits", "value": [graph_record(1)],
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$skiptoken=a1b2"}
    _, result = load_exports(tmp_path, {"audit.json": json.dumps(page)})
    assert "@odata.nextLink" in result.exports[0].note


def test_consent_scope_and_group_come_from_the_configuration(tmp_path):
    sources = Sources(linkedin_app_ids=[APP.upper()], selected_group_id="", consent_scope="linkedin_only")
    config = Config(sources=sources)
    consent = graph_record(1, "Consent to application", targetResources=[{
        "id": "sp-1", "type": "ServicePrincipal", "modifiedProperties": [
            {"displayName": "ConsentContext.IsAdminConsent", "newValue": "\"False\""},
            {"displayName": "TargetId.ServicePrincipalNames", "newValue": json.dumps(APP)}]}])
    con, result = load_exports(tmp_path, {"audit.json": json.dumps([consent, graph_record(2)])}, config)
    assert rows(con, "SELECT user_id, action, scope FROM consent_events") == [("admin-1", "connect", "linkedin_only")]
    assert result.exports[0].unmapped_by_activity == [
        ("Add member to group", "no LinkedIn group configured (sources.selected_group_id)", 1)]


def test_snapshot_numbers_and_json_lines(tmp_path):
    snaps = [{"taken_at": "2026-10-01T06:00:00Z", "value": 1}, {"taken_at": "2026-10-02T06:00:00+02:00", "value": 0},
             {"taken_at": "2026-10-03T06:00:00Z", "value": "4", "group_id": "g-9"}, {"taken_at": "2026-10-04T06:00:00Z", "value": "selected_group"}]
    text = "".join(json.dumps(s) + "\n" for s in snaps)
    con, result = load_exports(tmp_path, {"linkedin_setting_snapshots.jsonl": text, "consent_events.csv": CONSENTS}, Config())
    assert_reconciled(result)
    assert rows(con, "SELECT event_id, action, group_id FROM admin_events ORDER BY occurred_at") == [
        ("snapshot-2026-10-02T04:00:00Z", "enable_all", None), ("snapshot-2026-10-03T06:00:00Z", "enable_group", "g-9")]
    # selected_group without a group, and none configured: rejected like a missing value.
    assert rows(con, "SELECT line, column_name, rule FROM rejected_rows") == [(4, "group_id", "missing_value")]


def _log_integrity(con: duckdb.DuckDBPyConnection, as_of: str = "2026-11-01T00:00:00Z") -> dict[str, str]:
    moment = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    run = run_check(con, Config(), select_controls(("log-integrity", "admin-authority")), moment)
    return {f"{c}:{e}": r for c, e, r in rows(con, "SELECT control, event_id, reason FROM findings WHERE run_id = ?", run.run_id)}


def test_a_setting_change_with_no_audit_record_is_a_log_integrity_finding(tenant):
    con, _ = tenant
    found = _log_integrity(con)
    assert {k for k in found if k.startswith("log-integrity:")} == {"log-integrity:snapshot-2026-10-12T06:00:00Z"}
    assert found["log-integrity:snapshot-2026-10-12T06:00:00Z"] == (
        "The LinkedIn account connections setting changed between the snapshots of 2026-10-09 06:00 UTC and "
        "2026-10-12 06:00 UTC (to enabled for everyone) with no audit record of the change.")
    # A snapshot-derived event is not itself an admin-authority finding; the real actors are.
    authority = {k.split(":", 1)[1] for k in found if k.startswith("admin-authority:")}
    assert len(authority) == 3 and not any(e.startswith("snapshot-") for e in authority)


def test_an_audit_record_between_the_snapshots_explains_the_change(tmp_path):
    snaps = "taken_at,value,group_id,taken_by\n2026-10-01T06:00:00Z,no,,job\n2026-10-02T06:00:00Z,yes,,job\n"
    admin = ("event_id,occurred_at,actor_id,actor_role,action,group_id,target_user_id\n"
             "e1,{t},adm,global_administrator,enable_all,,\n")
    findings = []
    for n, when in enumerate(("2026-10-01T12:00:00Z", "2026-10-01T06:00:00Z", "2026-10-02T06:00:01Z")):
        files = {"linkedin_setting_snapshots.csv": snaps, "admin_events.csv": admin.format(t=when), "consent_events.csv": CONSENTS}
        con, _ = load_exports(tmp_path / str(n), files, Config())
        findings.append({k for k in _log_integrity(con, "2026-10-03T00:00:00Z") if k.startswith("log-integrity:snapshot")})
        con.close()
    # Inside (t1, t2]: explained. At the earlier snapshot itself, or after the later one: not.
    assert findings == [set(), {"log-integrity:snapshot-2026-10-02T06:00:00Z"}, {"log-integrity:snapshot-2026-10-02T06:00:00Z"}]


# --- recognising exports ------------------------------------------------------------------------

def test_exports_are_recognised_by_content_and_others_are_listed(tmp_path):
    graph = json.dumps({"value": [graph_record(1)]})
    files = {"export (3).txt.json": graph, "notes.csv": "a,b\n1,2\n", "README.md": "hi"}
    _, result = load_exports(tmp_path, files)
    assert [(e.file, e.format) for e in result.exports] == [("export (3).txt.json", "graph_directory_audit")]
    assert result.ignored == ["notes.csv"]
    assert result.absent == ["users", "dsr_requests"]  # admin_events and consent_events come from the export


def test_a_single_export_can_be_loaded_alone(tmp_path):
    path = tmp_path / "directoryAudits.jsonl"
    path.write_text((FIXTURES / "directoryAudits_2026-10-30.jsonl").read_text())
    con = connect(":memory:", CONFIG)
    result = load(con, path, CONFIG)
    assert [f.file for f in result.files] == ["directoryAudits.jsonl -> admin_events", "directoryAudits.jsonl -> consent_events"]
    assert rows(con, "SELECT count(*) FROM consent_events") == [(2,)]


def test_an_evidence_packs_inputs_folder_loads_to_the_same_rows(tenant, tmp_path):
    """`auditor evidence --include-inputs` keeps each file under every log it fed, as
    inputs/<log>/<nnnn>-<name>; `verify --rerun` loads that folder again."""
    con, _ = tenant
    for file_id, log, path in rows(con, "SELECT file_id, log, path FROM loaded_files ORDER BY file_id"):
        target = tmp_path / "inputs" / log / f"{file_id:04d}-{Path(path).name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(Path(path).read_bytes())
    again = connect(":memory:", CONFIG)
    result = load(again, tmp_path / "inputs", CONFIG)
    assert sum(e.skipped for e in result.exports) == 5  # the second copy of each export
    for sql in (CANONICAL, "SELECT * EXCLUDE (_file_id, _extra) FROM linkedin_setting_snapshots ORDER BY ALL",
                "SELECT rule, line FROM rejected_rows"):
        assert rows(again, sql) == rows(con, sql)
    again.close()


def test_a_folder_named_after_a_format_is_read_as_that_format(tmp_path):
    page = json.dumps({"value": []})  # an empty page names no directoryAudit field: not recognised alone
    _, result = load_exports(tmp_path / "a", {"page.json": page, "consent_events.csv": CONSENTS})
    assert result.exports == [] and result.ignored == ["page.json"]
    folder = tmp_path / "b" / "in" / "graph_directory_audit"
    folder.mkdir(parents=True)
    (folder / "page.json").write_text(page)
    _, result = load_exports(tmp_path / "b", {})
    assert [(e.file, e.format, e.records) for e in result.exports] == [("page.json", "graph_directory_audit", 0)]


def test_utf16_and_gzip_exports(tmp_path):
    import gzip

    text = (FIXTURES / "directoryAudits_2026-10-30.jsonl").read_text()
    con, result = load_exports(tmp_path, {"ps.json": text.encode("utf-16"), "gz.json.gz": gzip.compress(text.replace("Directory_", "D_").encode())})
    assert [(e.file, e.mapped) for e in result.exports] == [("gz.json.gz", 4), ("ps.json", 4)]


# --- bad input: one clear line naming the file and line, exit code 2 ---------------------------

def _cli_error(tmp_path: Path, files: dict[str, str], *args: str) -> str:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "access_events.csv").write_text((FIXTURES / "access_events.csv").read_text())
    for name, text in files.items():
        (folder / name).write_text(text)
    result = CliRunner().invoke(main, ["load", str(folder), "--db", ":memory:", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.startswith("error: ") and result.output.count("\n") == 1
    return result.output


GRAPH_DOC = (FIXTURES / "directoryAudits_2026-10.json").read_text()
PURVIEW = (FIXTURES / "Audit_Log_Search_2026-10-25_2026-10-31.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("graph.json", GRAPH_DOC.replace('"result": "success",', '"result": "success"', 1),
         r"graph.json: line 9: malformed JSON \(Expecting ',' delimiter, column 7\)"),
        ("graph.json", GRAPH_DOC[:40000], rf"graph.json: line {GRAPH_DOC[:40000].count(chr(10)) + 1}: the file ends inside a record"),
        ("graph.jsonl", (FIXTURES / "directoryAudits_2026-10-30.jsonl").read_text()[:-300],
         r"graph.jsonl: line 6: the file ends inside a record"),
        ("graph.jsonl", '{"activityDisplayName": "Add member to group", "id": "x"}\n{"id": y}\n',
         r"graph.jsonl: line 2: malformed JSON"),
        ("audit.csv", PURVIEW.replace("RecordId,CreationDate,RecordType", "Id,Date,Type", 1), r"audit.csv: line 1: unknown CSV layout"),
        ("audit.csv", PURVIEW[:-500], r"audit.csv: line 13: malformed CSV record"),
        ("audit.csv", PURVIEW.replace('""Id""', '""Id', 1), r"audit.csv: line 2: AuditData is not a JSON object"),
    ],
    ids=["malformed-json", "truncated-json", "truncated-jsonl", "malformed-jsonl", "unknown-layout", "truncated-csv", "bad-auditdata"],
)
def test_a_damaged_export_exits_2_naming_file_and_line(tmp_path, name, text, expected):
    import re

    output = _cli_error(tmp_path, {name: text})
    assert re.search(expected, output), output


def test_format_reads_a_file_as_told(tmp_path):
    output = _cli_error(tmp_path, {"consent_events.csv": CONSENTS, "other.csv": "a,b\n1,2\n"}, "--format", "m365_audit_csv")
    assert "other.csv: line 1: unknown CSV layout 'a,b'" in output


def test_a_bad_sources_configuration_is_an_error(tmp_path):
    path = tmp_path / "auditor.toml"
    path.write_text('[sources]\nconsent_scope = "everything"\n')
    with pytest.raises(AuditorError, match="sources.consent_scope"):
        load_config(path)
    path.write_text('[sources.roles]\n"Global Administrator" = 1\n')
    with pytest.raises(AuditorError, match="sources.roles: expected dict"):
        load_config(path)
    path.write_text('[sources.roles]\n"Helpdesk Administrator" = "user_administrator"\n')
    assert load_config(path).sources.roles == {"Helpdesk Administrator": "user_administrator"}
