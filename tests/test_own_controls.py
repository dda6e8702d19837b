"""Own controls: a folder of controls in the built-in form, added with --controls or controls.paths."""

from __future__ import annotations

import shutil
import zipfile

import pytest
from click.testing import CliRunner
from conftest import REPO, write_input

from auditor.cases import case_database, findings, load_cases
from auditor.cli import main
from auditor.config import Config
from auditor.controls import catalogue, with_paths

EXAMPLE = REPO / "docs" / "example-controls"  # the README's worked example


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("own")
    day = {"user_id": "u1", "direction": "microsoft_to_linkedin", "category": "profile", "source_region": "SE",
           "destination_region": "SE"}
    folder = write_input(
        root / "in",
        access_events=[{**day, "event_id": "late", "occurred_at": "2026-10-01T23:30:00Z", "session_id": "s1"},
                       {**day, "event_id": "day", "occurred_at": "2026-10-02T08:00:00Z", "session_id": "s2"}],
        consent_events=[{"event_id": "c1", "occurred_at": "2026-09-01T00:00:00Z", "user_id": "u1", "action": "connect",
                         "scope": "bidirectional"}],
    )
    path = str(root / "audit.duckdb")
    assert cli("load", str(folder), "--db", path).exit_code == 0
    return path


def test_the_example_control_passes_its_own_cases():
    own = [c for c in catalogue(with_paths(Config(), [EXAMPLE])) if c.id == "night-flows"]
    assert own and load_cases(own[0])
    for case in load_cases(own[0]):
        con = case_database(case)
        assert findings(con, own[0], case) == set(case.expect)
        con.close()


def test_an_own_control_runs_and_reports_beside_the_built_in_ones(db):
    result = cli("check", "--db", db, "--controls", str(EXAMPLE), "--format", "csv", "--fail-on", "never")
    rows = [line for line in result.output.splitlines() if line.startswith("night-flows,")]
    assert len(rows) == 1 and ",late," in rows[0] and "at night" in rows[0], result.output
    assert "consent-before-access" in cli("check", "--db", db, "--controls", str(EXAMPLE), "--format", "json").output
    listing = cli("controls", "--controls", str(EXAMPLE / "night-flows"))
    assert "night-flows" in listing.output and "access-after-disconnect" in listing.output
    without = cli("check", "--db", db, "--control", "night-flows")
    assert without.exit_code == 2 and "no such control" in without.output


def test_controls_paths_in_auditor_toml_are_relative_to_that_file(db, tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "mine")
    (tmp_path / "auditor.toml").write_text('[controls]\npaths = ["mine"]\n')
    result = cli("--config", str(tmp_path / "auditor.toml"), "check", "--db", db, "--control", "night-flows",
                 "--format", "csv", "--fail-on", "never")
    assert result.exit_code in (0, 3) and ",late," in result.output, result.output


@pytest.mark.parametrize(("file", "change", "message"), [
    ("control.toml", lambda t: t.replace('title = "No data flows to LinkedIn at night"\n', ""),
     "control.toml: control lacks title"),
    ("control.toml", lambda t: t.replace('requires = ["access_events"]', 'requires = ["access_log"]'),
     "control.toml: requires an unknown log 'access_log'"),
    ("control.toml", lambda t: t.replace('severity = "low"', 'severity = "urgent"'), "control.toml: severity must be"),
    ("control.toml", lambda t: t + "\n[parameters.x]\ntype = \"integer\"\nconfig = \"controls.nope\"\n",
     "control.toml: parameters.x: no configuration key 'controls.nope'"),
    ("control.toml", lambda t: t.replace("default = 6", 'default = "six"'), "parameters.night_ends: needs a config key or a default"),
    ("control.toml", lambda t: t.replace('id = "night-flows"', 'id = "other"'), "differs from the folder name"),
    ("control.toml", lambda t: t + "\n[oops\n", "control.toml: not valid TOML"),
    ("query.sql", lambda t: t.replace("$night_ends", "$night_end"), "query.sql: $night_end is not a declared parameter"),
])
def test_a_malformed_own_control_is_a_one_line_error_naming_its_file(db, tmp_path, file, change, message):
    shutil.copytree(EXAMPLE, tmp_path / "mine")
    path = tmp_path / "mine" / "night-flows" / file
    path.write_text(change(path.read_text()))
    result = cli("check", "--db", db, "--controls", str(tmp_path / "mine"))
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_an_own_control_with_a_built_in_id_is_refused(db, tmp_path):
    shutil.copytree(EXAMPLE / "night-flows", tmp_path / "mine" / "dsr-deadline")
    toml = tmp_path / "mine" / "dsr-deadline" / "control.toml"
    toml.write_text(toml.read_text().replace('id = "night-flows"', 'id = "dsr-deadline"'))
    result = cli("check", "--db", db, "--controls", str(tmp_path / "mine"))
    assert result.exit_code == 2 and "control id 'dsr-deadline' is already" in result.output


def test_an_own_control_is_packed_and_its_pack_reruns_only_with_the_same_folder(db, tmp_path):
    pack = tmp_path / "2026-10.zip"
    made = cli("evidence", "--db", db, "--period", "2026-10", "--out", str(pack), "--include-inputs",
               "--controls", str(EXAMPLE))
    assert made.exit_code == 0, made.output
    with zipfile.ZipFile(pack) as zf:
        assert {"queries/controls/night-flows/query.sql", "queries/controls/night-flows/control.toml"} <= set(zf.namelist())
        assert b"night-flows" in zf.read("findings/findings.csv")
    again = cli("verify", str(pack), "--rerun", "--controls", str(EXAMPLE))
    assert "reproduced row for row" in again.output, again.output
    refused = cli("verify", str(pack), "--rerun")
    assert refused.exit_code == 2 and "queries/controls/night-flows/control.toml is not a query of" in refused.output
    shutil.copytree(EXAMPLE, tmp_path / "changed")
    sql = tmp_path / "changed" / "night-flows" / "query.sql"
    sql.write_text(sql.read_text().replace(">= 22", ">= 23"))
    changed = cli("verify", str(pack), "--rerun", "--controls", str(tmp_path / "changed"))
    assert changed.exit_code == 2 and "queries/controls/night-flows/query.sql differs" in changed.output


def test_controls_test_runs_the_cases_of_own_and_built_in_controls(tmp_path):
    assert cli("controls", "--test", "dsr-deadline").output.strip().endswith("hold, 0 fail")
    shutil.copytree(EXAMPLE, tmp_path / "mine")
    assert cli("controls", "--controls", str(tmp_path / "mine"), "--test", "night-flows").exit_code == 0
    cases = tmp_path / "mine" / "night-flows" / "cases.toml"
    cases.write_text(cases.read_text().replace('expect = ["late"]', 'expect = ["day"]'))
    result = cli("controls", "--controls", str(tmp_path / "mine"), "--test", "night-flows")
    assert result.exit_code == 1
    assert "fail: night-flows: a flow to LinkedIn at 23:30 is a finding; at 08:00 it is not: missing ['day'], " \
           "not expected ['late']" in result.output


def test_the_readme_shows_the_example_control_as_it_is():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in ("control.toml", "query.sql", "cases.toml"):
        text = (EXAMPLE / "night-flows" / name).read_text(encoding="utf-8")
        assert text in readme, f"README.md: the example's {name} differs from docs/example-controls/night-flows/{name}"
