"""A verdict is never stronger than its evidence: coverage, gaps, statuses, the verdict, exit codes.

The logs here are the smallest that show each rule: one user connected on 2026-10-01 and an
access event every 48 h through October, so the month is covered unless a test takes some away.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE, write_input
from test_controls import SETUP, access, admin, consent

from auditor.cli import main

START = datetime(2026, 10, 1, tzinfo=timezone.utc)


def at(hours: float) -> str:
    """The instant `hours` after 2026-10-01 00:00 UTC, as ISO 8601."""
    return (START + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def every_48h(skip: tuple[float, float] = (0, 0)) -> list[dict]:
    """An access event every 48 h of October from 01:00 on, but none in [skip)."""
    return [access(f"a{h}", at(h)) for h in range(1, 31 * 24, 48) if not skip[0] <= h < skip[1]]


CONNECT = [consent("c1", at(0))]
OTHERS = {"dsr_requests": [], "users": [{"user_id": "u1"}]}


def cli(*args: str, config: Path | None = None):
    return CliRunner().invoke(main, [*(["--config", str(config)] if config else []), *args])


def check_json(tmp_path: Path, *args: str, access_events: list[dict] | None = None, consent_events=CONNECT,
               admin_events=SETUP, config: str | None = None, **logs: list[dict]) -> tuple[int, dict]:
    """Load the logs into a new database, run `check --format json` with args; exit code and JSON."""
    others = {**OTHERS, **logs}
    folder = write_input(tmp_path / "in", access_events=every_48h() if access_events is None else access_events,
                         consent_events=consent_events, admin_events=admin_events, **others)
    db = str(tmp_path / "a.duckdb")
    cfg = None
    if config:
        cfg = tmp_path / "auditor.toml"
        cfg.write_text(config)
    assert cli("load", str(folder), "--db", db).exit_code == 0
    result = cli("check", "--db", db, "--format", "json", *args, config=cfg)
    return result.exit_code, json.loads(result.output)


def gaps(data: dict) -> list[tuple[str, str, float]]:
    return [(g["start"], g["end"], g["hours"]) for g in data["evidence"]["gaps"]]


def test_a_clean_covered_month_is_compliant_with_exit_0(tmp_path):
    code, data = check_json(tmp_path, "--period", "2026-10")
    assert (code, data["verdict"]) == (0, "compliant")
    assert {c["status"] for c in data["controls"]} == {"pass"}
    assert data["window"] == {"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"}
    assert gaps(data) == [] and data["evidence"]["state"] == "covered"
    logs = {e["log"]: e for e in data["evidence"]["logs"]}
    assert logs["access_events"] == {"log": "access_events", "present": True, "rows_in_window": 16,
                                     "first": "2026-10-01T01:00:00Z", "last": "2026-10-31T01:00:00Z"}
    assert logs["users"]["rows_in_window"] == 1 and logs["users"]["first"] is None
    assert logs["dsr_requests"] == {"log": "dsr_requests", "present": True, "rows_in_window": 0, "first": None, "last": None}


def test_a_hole_of_96_hours_is_a_gap_and_makes_the_month_incomplete(tmp_path):
    # The event at 97 h removed: silence from 49 h to 145 h.
    code, data = check_json(tmp_path, "--period", "2026-10", access_events=every_48h(skip=(90, 100)))
    assert (code, data["verdict"]) == (3, "incomplete")
    assert gaps(data) == [(at(49), at(145), 96.0)]
    assert data["evidence"]["state"] == "partly_covered"
    assert data["evidence"]["gaps"][0]["acknowledged"] is False


def test_a_silence_of_exactly_72_hours_is_no_gap_and_one_just_longer_is(tmp_path):
    rows = [access("a1", at(1)), access("a2", at(73))] + [access(f"b{h}", at(h)) for h in range(121, 31 * 24, 48)]
    code, data = check_json(tmp_path / "exact", "--period", "2026-10", access_events=rows)
    assert gaps(data) == [] and code == 0  # 72 h between a1 and a2, 48 h after
    rows[1] = access("a2", "2026-10-04T01:00:00.000001Z")
    _, data = check_json(tmp_path / "longer", "--period", "2026-10", access_events=rows)
    assert gaps(data) == [(at(1), "2026-10-04T01:00:00.000001Z", 72.0)]


def test_logs_that_stop_before_the_months_end_leave_a_gap_to_the_end(tmp_path):
    rows = [a for a in every_48h() if a["occurred_at"] < at(25 * 24)]  # the last at 2026-10-25 01:00
    code, data = check_json(tmp_path, "--period", "2026-10", access_events=rows)
    assert (code, data["verdict"]) == (3, "incomplete")
    # Past the evidence span nothing is known: activity is expected there, connected or not.
    assert gaps(data) == [(rows[-1]["occurred_at"], "2026-11-01T00:00:00Z", 167.0)]


def test_four_days_disabled_is_silence_the_logs_should_show(tmp_path):
    off = SETUP + [admin("e-off", at(50), "disable"), admin("e-on", at(146), "enable_all")]
    code, data = check_json(tmp_path, "--period", "2026-10", access_events=every_48h(skip=(50, 150)), admin_events=off)
    assert gaps(data) == [] and (code, data["verdict"]) == (0, "compliant")
    off = SETUP + [admin("e-off", at(140), "disable"), admin("e-on", at(146), "enable_all")]
    _, data = check_json(tmp_path / "3", "--period", "2026-10", access_events=every_48h(skip=(50, 150)), admin_events=off)
    assert gaps(data) == [(at(49), at(140), 91.0)]  # a stretch off cuts the silence; 91 h before it is a gap


def test_four_days_with_everyone_disconnected_is_no_gap(tmp_path):
    spells = [consent("c1", at(0)), consent("d1", at(50), "disconnect"), consent("c2", at(146))]
    code, data = check_json(tmp_path, "--period", "2026-10", access_events=every_48h(skip=(50, 150)),
                            consent_events=spells)
    assert gaps(data) == [] and (code, data["verdict"]) == (0, "compliant")


def test_a_missing_optional_log_leaves_its_controls_not_evaluated(tmp_path):
    folder = write_input(tmp_path / "in", access_events=every_48h(), consent_events=CONNECT, admin_events=SETUP,
                         users=[{"user_id": "u1"}])
    db = str(tmp_path / "a.duckdb")
    cli("load", str(folder), "--db", db)
    result = cli("check", "--db", db, "--period", "2026-10", "--format", "json")
    data = json.loads(result.output)
    status = {c["id"]: (c["status"], c["reason"]) for c in data["controls"]}
    assert status["dsr-deadline"] == ("not_evaluated", "no dsr_requests loaded")
    assert status["contacts-deletion"] == ("not_evaluated", "no dsr_requests loaded")
    assert (result.exit_code, data["verdict"]) == (3, "incomplete")
    logs = {e["log"]: e["present"] for e in data["evidence"]["logs"]}
    assert logs["dsr_requests"] is False and logs["access_events"] is True
    junit = cli("check", "--db", db, "--period", "2026-10", "--format", "junit").output
    assert '<testcase classname="auditor.high" name="dsr-deadline"><skipped message="no dsr_requests loaded"' in junit


def test_a_header_only_log_is_present_and_empty(tmp_path):
    code, data = check_json(tmp_path, "--period", "2026-10")  # dsr_requests.csv holds a header only
    status = {c["id"]: c["status"] for c in data["controls"]}
    assert status["dsr-deadline"] == "pass" and code == 0


def test_a_month_before_any_data_and_one_after_it_are_not_covered(tmp_path):
    setup = [admin("e-enable", at(0), "enable_all"), admin("e-announce", at(0), "announce")]
    for period in ("2026-07", "2027-01"):
        code, data = check_json(tmp_path / period, "--period", period, admin_events=setup)
        assert (code, data["verdict"], data["evidence"]["state"]) == (3, "incomplete", "not_covered"), period
        start, end = data["window"]["start"], data["window"]["end"]
        assert gaps(data) == [(start, end, data["evidence"]["gaps"][0]["hours"])]
        assert all(c["status"] == "pass" for c in data["controls"])  # "pass" alone does not make it compliant


def test_an_acknowledged_gap_is_listed_and_no_longer_makes_the_verdict_incomplete(tmp_path):
    waivers = tmp_path / "waivers.toml"
    waivers.write_text('[[gap]]\nstart = 2026-10-02T00:00:00Z\nend = 2026-10-10T00:00:00+00:00\n'
                       'reason = "export lost, ticket 4711"\napproved_by = "DPO"\nexpires = 2026-12-31\n')
    code, data = check_json(tmp_path, "--period", "2026-10", "--waivers", str(waivers), access_events=every_48h(skip=(50, 150)))
    assert (code, data["verdict"]) == (0, "compliant")
    assert data["evidence"]["gaps"][0]["acknowledged"] is True
    assert data["evidence"]["gaps"][0]["acknowledgement"]["approved_by"] == "DPO"
    # Expired at as_of: no longer applies, and is listed.
    waivers.write_text(waivers.read_text().replace("2026-12-31", "2026-10-31"))
    code, data = check_json(tmp_path / "2", "--period", "2026-10", "--waivers", str(waivers),
                            access_events=every_48h(skip=(50, 150)))
    assert (code, data["verdict"]) == (3, "incomplete")
    assert data["evidence"]["expired_gap_acknowledgements"][0]["reason"] == "export lost, ticket 4711"
    # An entry that does not hold the whole gap acknowledges nothing.
    waivers.write_text(waivers.read_text().replace("2026-10-31", "2026-12-31").replace("2026-10-10", "2026-10-08"))
    code, _ = check_json(tmp_path / "3", "--period", "2026-10", "--waivers", str(waivers), access_events=every_48h(skip=(50, 150)))
    assert code == 3


def test_a_control_disabled_in_the_configuration_is_not_evaluated(tmp_path):
    code, data = check_json(tmp_path, "--period", "2026-10", config='[controls]\ndisabled = ["profile-visibility"]\n')
    status = {c["id"]: (c["status"], c["reason"]) for c in data["controls"]}
    assert status["profile-visibility"] == ("not_evaluated", "disabled in auditor.toml")
    assert (code, data["verdict"]) == (3, "incomplete")
    (tmp_path / "typo.toml").write_text('[controls]\ndisabled = ["no-such"]\n')
    result = cli("check", "--db", str(tmp_path / "a.duckdb"), config=tmp_path / "typo.toml")
    assert result.exit_code == 2 and "controls.disabled: no control 'no-such'" in result.output


def test_a_failing_control_is_not_compliant_whatever_the_evidence(tmp_path):
    rows = every_48h(skip=(50, 150)) + [access("bad", at(300), category="connections", connection_degree="2")]
    code, data = check_json(tmp_path, "--period", "2026-10", access_events=rows)
    assert data["verdict"] == "not_compliant" and code == 3  # medium, below --fail-on high; incomplete evidence
    code, _ = check_json(tmp_path / "2", "--period", "2026-10", "--fail-on", "medium", access_events=rows)
    assert code == 1


def test_nothing_loaded_is_refused_by_every_judging_command(tmp_path):
    from auditor.config import Config
    from auditor.db import connect

    db = tmp_path / "e.duckdb"
    connect(db, Config()).close()  # the tables, and nothing loaded into them
    for args in (["check"], ["report", "--period", "2026-10"], ["dsr"], ["subject", "u1"],
                 ["evidence", "--period", "2026-10", "--out", str(tmp_path / "p.zip")]):
        result = cli(*args, "--db", str(db))
        assert result.exit_code == 2, args
        assert "no consent_events or access_events was ever loaded" in result.output, args
    assert cli("check", "--db", ":memory:").exit_code == 2


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("sample") / "s.duckdb")
    assert cli("load", str(SAMPLE), "--db", db).exit_code == 0
    return db


def test_the_sample_october_names_the_gap_at_the_months_end_and_august_stays_not_compliant(sample_db):
    db = sample_db
    october = json.loads(cli("check", "--db", db, "--period", "2026-10", "--format", "json").output)
    assert gaps(october) == [("2026-10-28T12:00:00Z", "2026-11-01T00:00:00Z", 84.0)]
    table = cli("check", "--db", db, "--period", "2026-10").output
    assert "the evidence is incomplete" in table and "2026-10-28T12:00:00Z .. 2026-11-01T00:00:00Z" in table
    august = json.loads(cli("check", "--db", db, "--period", "2026-08", "--format", "json").output)
    assert august["verdict"] == "not_compliant" and gaps(august) == []
    assert len(august["findings"]) == 53


def test_subject_judges_at_its_own_as_of_not_at_the_last_checks(sample_db, tmp_path):
    db = sample_db
    august = json.loads(cli("check", "--db", db, "--period", "2026-08", "--format", "json").output)
    person = next(f["user_id"] for f in august["findings"] if f["severity"] == "high" and f["user_id"])
    mine = {(f["control"], f["event_id"]) for f in august["findings"] if f["user_id"] == person}
    # The latest run: none of January's own findings is the person's (what it carries over is not theirs alone).
    assert cli("check", "--db", db, "--period", "2027-01").exit_code == 1
    out = tmp_path / "out"
    result = cli("subject", person, "--db", db, "--as-of", "2026-09-01T00:00:00Z", "--out", str(out), "--format", "json,html")
    assert result.exit_code == 0, result.output
    data = json.loads(next(out.glob("*.json")).read_text())
    assert data["audit"]["as_of"] == "2026-09-01T00:00:00Z"
    assert mine <= {(f["control"], f["event_id"]) for f in data["audit"]["findings"]}
    assert "found no problem" not in next(out.glob("*.html")).read_text()


def test_the_report_trend_marks_months_without_data_and_compares_only_with_a_covered_month(sample_db, tmp_path):
    db = sample_db
    out = tmp_path / "out"
    assert cli("report", "--period", "2026-08", "--db", db, "--out", str(out), "--format", "html").exit_code == 0
    html = (out / "report-2026-08.html").read_text()
    assert "No change since 2026-07 is shown" in html and "Open in 2026-07" not in html
    assert "no data" in html  # March to July, before the first log
    assert "Evidence under the verdict" in html and "cover the window" in html
    assert cli("report", "--period", "2026-09", "--db", db, "--out", str(out), "--format", "html").exit_code == 0
    html = (out / "report-2026-09.html").read_text()
    assert "Open in 2026-08" in html
    assert cli("report", "--period", "2026-10", "--db", db, "--out", str(out), "--format", "html").exit_code == 0
    html = (out / "report-2026-10.html").read_text()
    assert "2026-10-28 12:00 UTC to 2026-11-01 00:00 UTC (84 h)" in html and "not acknowledged" in html
    assert "Compliant" not in html
    carried = html[html.index('id="carried"'):html.index('<section class="control"')]
    assert [m for m in ("p-sr-2", "p-ck-1", "p-ck-3", "p-dd-4") if m in carried] == ["p-sr-2", "p-ck-1", "p-ck-3", "p-dd-4"]
    assert "<td>2026-09</td>" in carried  # the month each arose in


@pytest.mark.parametrize("text, message", [
    ('[[gap]]\nstart = 2026-10-02T00:00:00\nend = 2026-10-09T00:00:00Z\nreason = "r"\napproved_by = "x"\nexpires = 2027-01-01\n',
     "start must be a timestamp with an offset"),
    ('[[gap]]\nstart = 2026-10-09T00:00:00Z\nend = 2026-10-02T00:00:00Z\nreason = "r"\napproved_by = "x"\nexpires = 2027-01-01\n',
     "end is not after start"),
    ('[[gap]]\nstart = 2026-10-02T00:00:00Z\nend = 2026-10-09T00:00:00Z\napproved_by = "x"\nexpires = 2027-01-01\n',
     "reason is required"),
])
def test_a_bad_gap_acknowledgement_is_one_line_naming_it(tmp_path, text, message):
    waivers = tmp_path / "w.toml"
    waivers.write_text(text)
    folder = write_input(tmp_path / "in", access_events=every_48h(), consent_events=CONNECT)
    db = str(tmp_path / "a.duckdb")
    cli("load", str(folder), "--db", db)
    result = cli("check", "--db", db, "--waivers", str(waivers))
    assert result.exit_code == 2 and "gap 1" in result.output and message in result.output


def test_an_open_finding_from_an_earlier_month_is_carried_over_and_fails_the_month(tmp_path):
    # Received 2026-08-15, due 2026-09-15: September's finding. Open through October, it is carried
    # over into October (and fails it); answered on 2026-10-20, it is carried no further.
    late = {"request_id": "r1", "user_id": "u1", "type": "access", "scope": "", "received_at": "2026-08-15T00:00:00Z",
            "extended": "", "completed_at": ""}
    code, data = check_json(tmp_path / "open", "--period", "2026-10", dsr_requests=[late])
    status = {c["id"]: (c["status"], c["findings"], c["carried_over"]) for c in data["controls"]}
    assert status["dsr-deadline"] == ("fail", 0, 1) and (code, data["verdict"]) == (1, "not_compliant")
    assert [(f["control"], f["event_id"], f["arose_at"]) for f in data["carried_over"]] == [
        ("dsr-deadline", "r1", "2026-09-15T00:00:00Z")]
    assert data["findings"] == []  # not counted again among October's own
    answered = {**late, "completed_at": "2026-10-20T00:00:00Z"}
    code, data = check_json(tmp_path / "answered", "--period", "2026-10", dsr_requests=[answered])
    status = {c["id"]: (c["status"], c["carried_over"]) for c in data["controls"]}
    assert status["dsr-deadline"] == ("pass", 0) and data["carried_over"] == [] and code == 0


def test_a_reused_run_brings_the_evidence_it_was_judged_on(tmp_path, monkeypatch):
    # A gap acknowledged by one [[gap]] entry, beside an entry expired at as_of: the run keeps
    # the window, span, logs and gaps; a command that reuses it (report, subject, evidence pack)
    # reads them back instead of assessing the logs again, and acknowledges the gaps the same way.
    import auditor.check as check
    from auditor.config import Config
    from auditor.controls import catalogue
    from auditor.db import connect
    from auditor.ingest import load
    from auditor.periods import month_period
    from auditor.waivers import load_waivers

    folder = write_input(tmp_path / "in", access_events=every_48h(skip=(50, 150)), consent_events=CONNECT,
                         admin_events=SETUP, **OTHERS)
    path = tmp_path / "waivers.toml"
    path.write_text('[[gap]]\nstart = 2026-10-02T00:00:00Z\nend = 2026-10-10T00:00:00Z\nreason = "lost"\n'
                    'approved_by = "DPO"\nexpires = 2026-12-31\n\n[[gap]]\nstart = 2026-09-01T00:00:00Z\n'
                    'end = 2026-09-05T00:00:00Z\nreason = "old"\napproved_by = "DPO"\nexpires = 2026-10-15\n')
    config, controls = Config(), catalogue()
    waivers = load_waivers(path, {c.id for c in controls})
    con = connect(tmp_path / "a.duckdb", config)
    try:
        load(con, folder, config)
        october = month_period("2026-10", "UTC")
        made = [check.run_check(con, config, controls, period=october, waivers=waivers),
                check.run_check(con, config, controls, waivers=waivers)]
        fresh = [check.evidence_of(con, config, r.as_of, r.period, waivers).as_dict() for r in made]
        assert fresh[0]["gaps"][0]["acknowledged"] and fresh[0]["expired_gap_acknowledgements"]

        def assessed_again(*args, **kwargs):
            raise AssertionError("the run's evidence was assessed again")

        monkeypatch.setattr(check, "evidence_of", assessed_again)
        reused = [check.find_or_run(con, config, october, waivers), check.find_or_run(con, config, None, waivers, made[1].as_of)]
        assert [r.run_id for r in reused] == [r.run_id for r in made]
        assert [r.evidence.as_dict() for r in reused] == [r.evidence.as_dict() for r in made] == fresh
        assert [r.evidence.window for r in reused] == [r.evidence.window for r in made]
    finally:
        con.close()
