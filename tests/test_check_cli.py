"""`auditor check` as CI meets it: exit codes, waivers, and the output formats."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_input
from test_controls import SETUP, access, consent

from auditor.cli import main
from auditor.outputs import CSV_COLUMNS


@pytest.fixture
def db(tmp_path):
    """A database with one high finding (a1: access before consent) and one medium (a2: degree 2),
    every log present, and an auditor.toml beside it whose gap limit covers its month-long silence
    (tests/test_verdicts.py is where coverage is tested)."""
    folder = write_input(
        tmp_path / "in",
        access_events=[access("a1", "2026-08-01T00:00:00Z"),
                       access("a2", "2026-10-01T00:00:00Z", category="connections", connection_degree="2"),
                       access("a3", "2026-10-02T00:00:00Z")],
        consent_events=[consent("c1", "2026-09-01T00:00:00Z")],
        admin_events=SETUP, dsr_requests=[], users=[{"user_id": "u1"}],
    )
    path = str(tmp_path / "a.duckdb")
    (tmp_path / "auditor.toml").write_text("[coverage]\nmax_gap_hours = 100000\n")
    assert CliRunner().invoke(main, ["load", str(folder), "--db", path]).exit_code == 0
    return path


def check(db: str, *args: str):
    config = Path(db).with_name("auditor.toml")
    return CliRunner().invoke(main, [*(["--config", str(config)] if config.exists() else []), "check", "--db", db, *args])


@pytest.mark.parametrize("fail_on, code", [("high", 1), ("medium", 1), ("low", 1), ("never", 0)])
def test_exit_code_follows_fail_on(db, fail_on, code):
    assert check(db, "--fail-on", fail_on).exit_code == code


def test_a_medium_finding_alone_fails_only_from_medium(db):
    # A run of one control cannot show the others hold: exit 3 (incomplete), not 0.
    assert check(db, "--control", "first-degree-connections", "--fail-on", "high").exit_code == 3
    assert check(db, "--control", "first-degree-connections", "--fail-on", "medium").exit_code == 1


def test_min_severity_runs_a_subset_and_lists_the_rest_as_not_evaluated(db):
    data = json.loads(check(db, "--format", "json", "--min-severity", "high").output)
    evaluated = {c["severity"] for c in data["controls"] if c["status"] != "not_evaluated"}
    assert evaluated == {"high"}
    rest = [c for c in data["controls"] if c["severity"] != "high"]
    assert rest and all(c["status"] == "not_evaluated" and c["reason"].startswith("not selected") for c in rest)
    assert data["verdict"] == "not_compliant"  # a1 is a high finding


def test_json_has_the_documented_shape(db):
    result = check(db, "--format", "json")
    data = json.loads(result.output)
    assert set(data) >= {"tool", "as_of", "period", "inputs", "controls", "findings"}
    assert data["tool"] == {"name": "auditor", "version": data["tool"]["version"]}
    assert data["as_of"] == "2026-10-02T00:00:00Z" and data["period"] is None
    assert {"log", "file", "sha256", "rows"} <= set(data["inputs"][0])
    assert all({"id", "title", "severity", "articles", "status", "findings", "waived"} <= set(c) for c in data["controls"])
    keys = {"control", "event_id", "user_id", "occurred_at", "reason", "severity", "waived", "waiver"}
    assert all(keys <= set(f) for f in data["findings"])
    order = [(f["control"], f["occurred_at"], f["event_id"]) for f in data["findings"]]
    assert order == sorted(order)
    found = {(f["control"], f["event_id"]) for f in data["findings"]}
    assert ("consent-before-access", "a1") in found and ("first-degree-connections", "a2") in found
    counts = {c["id"]: c["findings"] for c in data["controls"]}
    assert counts["consent-before-access"] == sum(f["control"] == "consent-before-access" for f in data["findings"])


def test_period_keeps_the_findings_that_arose_in_it(db):
    data = json.loads(check(db, "--format", "json", "--period", "2026-10").output)
    assert data["period"] == {"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"}
    assert data["as_of"] == "2026-11-01T00:00:00Z"
    assert {f["event_id"] for f in data["findings"]} == {"a2"}  # a1 arose in August


def test_a_period_run_keeps_the_findings_that_arose_before_its_end(db):
    import duckdb

    # September: a2 arose at the period's end and a3, dated after as_of, would be log-integrity's:
    # neither is kept. A check keeps nothing that arose before its period (a1, August) either: it
    # cannot be carried over. The month's report keeps a1 for its six months' trend.
    data = json.loads(check(db, "--format", "json", "--period", "2026-09").output)
    assert data["findings"] == []
    with duckdb.connect(db) as con:
        assert con.execute("SELECT control, event_id, in_period FROM findings").fetchall() == []
    config = ["--config", str(Path(db).with_name("auditor.toml"))]
    out = Path(db).with_name("report")
    assert CliRunner().invoke(main, [*config, "report", "--db", db, "--period", "2026-09", "--format", "html",
                                     "--out", str(out)]).exit_code in (0, 1)
    with duckdb.connect(db) as con:
        kept = con.execute("SELECT control, event_id, in_period FROM findings").fetchall()
    assert kept == [("consent-before-access", "a1", False)]
    # Without a period, a3 after an earlier as_of is named.
    data = json.loads(check(db, "--format", "json", "--as-of", "2026-10-01T00:00:00Z").output)
    assert ("log-integrity", "a3") in {(f["control"], f["event_id"]) for f in data["findings"]}


def test_csv_and_junit(db, tmp_path):
    rows = list(csv.DictReader(io.StringIO(check(db, "--format", "csv").output)))
    assert {r["event_id"] for r in rows} == {"a1", "a2"}
    assert {r["waived"] for r in rows} == {"false"}  # lower case, as in JSON
    assert tuple(rows[0]) == CSV_COLUMNS  # the layout of the report's findings CSV
    out = tmp_path / "junit.xml"
    assert check(db, "--format", "junit", "--output", str(out)).exit_code == 1
    suite = ET.parse(out).getroot().find("testsuite")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert len(cases) == 15
    assert cases["consent-before-access"].find("failure") is not None
    assert cases["consent-scope"].find("failure") is None
    assert cases["dsr-deadline"].find("skipped") is None  # evaluated: its log is present, if empty
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert properties["verdict"] == "not_compliant" and properties["coverage"] == "covered"
    table = tmp_path / "table.txt"
    assert check(db, "--output", str(table)).exit_code == 1
    assert "consent-before-access" in table.read_text() and "a1" in table.read_text()
    missing = check(db, "--format", "json", "--output", str(tmp_path / "no" / "such" / "folder.json"))
    assert missing.exit_code == 2 and "folder.json: No such file or directory" in missing.output


def write_waivers(tmp_path, text: str):
    path = tmp_path / "waivers.toml"
    path.write_text(text)
    return str(path)


def test_waived_findings_stay_marked_and_never_fail_the_run(db, tmp_path):
    waivers = write_waivers(tmp_path, """
[[waiver]]
control = "consent-before-access"
event_id = "a1"
reason = "Pilot before the rollout"
approved_by = "DPO"
expires = 2027-01-31
""")
    result = check(db, "--waivers", waivers, "--format", "json")
    assert result.exit_code == 0  # the medium a2 is below --fail-on high
    data = json.loads(result.output)
    finding = next(f for f in data["findings"] if f["event_id"] == "a1")
    assert finding["waived"] is True and finding["waiver"]["approved_by"] == "DPO"
    status = {c["id"]: (c["status"], c["findings"], c["waived"]) for c in data["controls"]}
    assert status["consent-before-access"] == ("waived", 1, 1)
    table = check(db, "--waivers", waivers)
    assert "waived" in table.output


def test_an_expired_waiver_does_not_apply_and_is_listed(db, tmp_path):
    waivers = write_waivers(tmp_path, """
[[waiver]]
control = "consent-before-access"
user_id = "u1"
reason = "Pilot"
approved_by = "DPO"
expires = 2026-10-01
""")
    result = check(db, "--waivers", waivers, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert not any(f["waived"] for f in data["findings"])
    assert data["expired_waivers"][0]["user_id"] == "u1"
    assert "expired waiver" in check(db, "--waivers", waivers).output


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[waiver]]\ncontrol = "no-such"\nevent_id = "a1"\nreason = "r"\napproved_by = "x"\nexpires = 2027-01-01\n', "unknown control 'no-such'"),
        ('[[waiver]]\ncontrol = "dsr-deadline"\nreason = "r"\napproved_by = "x"\nexpires = 2027-01-01\n', "exactly one of event_id or user_id"),
        ('[[waiver]]\ncontrol = "dsr-deadline"\nevent_id = "r"\nreason = "r"\napproved_by = "x"\nexpires = "soon"\n', "expires must be a date"),
        ('[[waiver]]\ncontrol = "dsr-deadline"\nevent_id = "r"\napproved_by = "x"\nexpires = 2027-01-01\n', "reason is required"),
    ],
)
def test_an_invalid_waiver_is_an_error(db, tmp_path, text, message):
    result = check(db, "--waivers", write_waivers(tmp_path, text))
    assert result.exit_code == 2 and message in result.output


def test_a_control_that_cannot_run_is_an_error_with_exit_3(db, tmp_path, monkeypatch):
    import auditor.check as check_module
    from auditor.controls import catalogue

    broken = [c if c.id != "consent-scope" else type(c)(**{**c.__dict__, "sql": "SELECT nonsense FROM nowhere"}) for c in catalogue()]
    monkeypatch.setattr(check_module, "catalogue", lambda config=None: broken)
    result = check(db, "--format", "json")
    assert result.exit_code == 1  # a finding at --fail-on wins over incomplete evidence
    data = json.loads(result.output)
    status = {c["id"]: c for c in data["controls"]}
    assert status["consent-scope"]["status"] == "error" and "nowhere" in status["consent-scope"]["reason"]
    assert status["consent-before-access"]["status"] == "fail"
    assert check(db, "--fail-on", "never").exit_code == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["--period", "2026-13"], "expected YYYY-MM"),
        (["--period", "2026-10", "--from", "2026-10-01", "--to", "2026-10-31"], "either --period or --from/--to"),
        (["--from", "2026-10-01"], "--from and --to go together"),
        (["--as-of", "2026-10-01 10:00"], "give an offset"),
        (["--control", "nope"], "no such control"),
    ],
)
def test_bad_usage_exits_2(db, args, message):
    result = check(db, *args)
    assert result.exit_code == 2 and message in result.output


def test_an_empty_database_is_a_clear_error(tmp_path):
    result = check(str(tmp_path / "empty.duckdb"))
    assert result.exit_code == 2 and "auditor load" in result.output


def test_controls_lists_and_shows(db):
    listing = CliRunner().invoke(main, ["controls"])
    assert listing.exit_code == 0 and "session-retention" in listing.output
    one = CliRunner().invoke(main, ["controls", "dsr-deadline"])
    assert one.exit_code == 0 and "12(3)" in one.output and "SELECT" in one.output
    assert CliRunner().invoke(main, ["controls", "nope"]).exit_code == 2


def test_each_run_is_recorded(db):
    check(db, "--period", "2026-10")
    import duckdb

    con = duckdb.connect(db)
    run = con.execute("SELECT as_of, period_start, control_sha256, duckdb_version, finished_at FROM check_runs").fetchall()
    assert len(run) == 1 and run[0][1] is not None and len(json.loads(run[0][2])) == 15 and run[0][4] is not None
    assert con.execute("SELECT count(*) FROM control_results").fetchone()[0] == 15


def test_a_mistyped_database_path_is_an_error_not_a_new_database(tmp_path):
    from auditor.config import Config
    from auditor.db import connect

    missing = tmp_path / "typo.duckdb"
    for args in (["check"], ["report", "--period", "2026-10"], ["dsr"], ["subject", "u1"], ["evidence", "--period", "2026-10", "--out", str(tmp_path / "p.zip")]):
        result = CliRunner().invoke(main, [*args, "--db", str(missing)])
        assert result.exit_code == 2 and "no such database" in result.output, args
    assert not missing.exists()
    connect(tmp_path / "empty.duckdb", Config()).close()
    result = check(str(tmp_path / "empty.duckdb"))
    assert result.exit_code == 2 and "no consent_events or access_events was ever loaded" in result.output


def test_progress_is_told_before_each_control(db):
    from auditor.check import run_check
    from auditor.config import Config
    from auditor.controls import catalogue
    from auditor.db import connect

    seen = []
    con = connect(db, Config())
    run = run_check(con, Config(), catalogue(), on_control=lambda i, c: seen.append((i, c.id)))
    con.close()
    assert seen == [(i, r.control.id) for i, r in enumerate(run.results)] and len(seen) == len(catalogue())
