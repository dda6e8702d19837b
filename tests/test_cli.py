"""The command line, as a user meets it: clear errors with exit code 2, never a traceback."""

from __future__ import annotations

import tomllib

import pytest
from click.testing import CliRunner
from conftest import ACCESS, CONSENT, write_input, write_log

from auditor.cli import main
from auditor.config import Config, load_config, to_toml


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_load_prints_counts_that_add_up(tmp_path):
    folder = write_input(tmp_path / "in", access_events=[ACCESS, ACCESS, {**ACCESS, "event_id": "a2", "direction": "up"}])
    result = run("load", str(folder), "--db", str(tmp_path / "a.duckdb"))
    assert result.exit_code == 0, result.output
    assert "access_events.csv" in result.output and "users, admin_events, dsr_requests" in result.output
    assert "access_events.csv:4 column direction: bad_enum" in result.output
    again = run("load", str(folder), "--db", str(tmp_path / "a.duckdb"))
    assert again.exit_code == 0 and "already loaded" in again.output


def _no_traceback(result) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p / "missing", "no such folder"),
        (lambda p: write_log(p, "consent_events", []), "not a folder"),
        (lambda p: write_log(p / "in", "consent_events", []).parent, "no access_events log"),
        (lambda p: write_input(p / "in", access_events=[{"event_id": "a1"}]), "missing required column 'occurred_at'"),
    ],
)
def test_user_mistakes_exit_2_with_one_clear_line(tmp_path, make, expected):
    target = make(tmp_path)
    result = run("load", str(target), "--db", ":memory:")
    _no_traceback(result)
    assert expected in result.output


def test_a_truncated_file_exits_2(tmp_path):
    folder = write_input(tmp_path / "in", "jsonl")
    (folder / "access_events.jsonl").unlink()
    (folder / "access_events.parquet").write_bytes(b"PAR1\x00\x00")
    result = run("load", str(folder), "--db", ":memory:")
    _no_traceback(result)
    assert "access_events.parquet" in result.output


def _cut(folder, fmt: str = "csv"):
    """Cut the access_events file of `folder` inside its last record; return the folder."""
    path = folder / f"access_events.{fmt}"
    path.write_bytes(path.read_bytes()[:-10])
    return folder


@pytest.mark.parametrize("fmt, line", [("csv", 2), ("jsonl", 1)])
def test_a_cut_file_exits_2_naming_the_line(tmp_path, fmt, line):
    folder = _cut(write_input(tmp_path / "in", fmt), fmt)
    result = run("load", str(folder), "--db", ":memory:")
    _no_traceback(result)
    assert result.stderr == (f"error: {folder / f'access_events.{fmt}'}: truncated at line {line}: the last record is "
                             "incomplete and not ended by a line break\n")


def test_a_parquet_file_cut_in_half_exits_2(tmp_path):
    folder = write_input(tmp_path / "in", "parquet", access_events=[{**ACCESS, "event_id": f"a{i}"} for i in range(100)])
    path = folder / "access_events.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    result = run("load", str(folder), "--db", ":memory:")
    _no_traceback(result)
    assert "access_events.parquet: cannot read as parquet" in result.stderr


@pytest.mark.parametrize(
    "make",
    [
        lambda p: (p / "empty").mkdir() or p / "empty",  # no logs at all
        lambda p: _cut(write_input(p / "in")),
    ],
    ids=["empty folder", "cut file"],
)
def test_a_failed_load_leaves_no_database_it_made(tmp_path, make):
    db = tmp_path / "new.duckdb"
    result = run("load", str(make(tmp_path)), "--db", str(db))
    _no_traceback(result)
    assert not db.exists() and not (tmp_path / "new.duckdb.wal").exists()


def test_a_failed_load_leaves_an_existing_database_as_it_was(tmp_path):
    import duckdb

    db = tmp_path / "a.duckdb"
    assert run("load", str(write_input(tmp_path / "first")), "--db", str(db)).exit_code == 0

    def contents() -> dict[str, list[tuple]]:
        con = duckdb.connect(str(db), read_only=True)
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        rows = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in tables}
        con.close()
        return rows

    before = contents()
    folder = _cut(write_input(tmp_path / "next", consent_events=[{**CONSENT, "event_id": "c2"}], access_events=[{**ACCESS, "event_id": "a2"}]))
    result = run("load", str(folder), "--db", str(db))
    _no_traceback(result)
    assert "truncated at line 2" in result.stderr
    assert db.exists() and contents() == before


def test_a_database_of_another_version_is_refused_by_name(tmp_path):
    import duckdb

    db = str(tmp_path / "old.duckdb")
    assert run("load", str(write_input(tmp_path / "in")), "--db", db).exit_code == 0
    con = duckdb.connect(db)
    con.execute("ALTER TABLE findings DROP COLUMN in_period")  # as in databases made before in_period was added
    con.close()
    for command in (["check"], ["report", "--period", "2026-10", "--out", str(tmp_path)], ["load", str(tmp_path / "in")]):
        result = run(*command, "--db", db)
        _no_traceback(result)
        assert "old.duckdb: made by another version of auditor (table findings: in_period missing" in result.output


def test_config_prints_the_effective_configuration_and_reloads(tmp_path):
    path = tmp_path / "auditor.toml"
    path.write_text('[controls]\nerasure_deadline_days = 14\n[time]\nnaive_timezone = "Europe/Stockholm"\n')
    result = run("--config", str(path), "config")
    assert result.exit_code == 0
    data = tomllib.loads(result.output)
    assert data["controls"]["erasure_deadline_days"] == 14
    assert data["controls"]["admin_roles"] == ["global_administrator", "user_administrator"]
    assert data["time"]["naive_timezone"] == "Europe/Stockholm"
    (tmp_path / "again.toml").write_text(result.output)
    assert load_config(tmp_path / "again.toml").as_dict() == load_config(path).as_dict()
    assert tomllib.loads(to_toml(Config())) == Config().as_dict()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[controls\n", "not valid TOML"),
        ("[control]\n", "unknown section [control]"),
        ("[controls]\nerasure_days = 3\n", "unknown key controls.erasure_days"),
        ("[controls]\nerasure_deadline_days = 'soon'\n", "controls.erasure_deadline_days: expected int"),
        ("[time]\nreport_timezone = 'Mars/Olympus'\n", "unknown timezone"),
    ],
)
def test_a_bad_configuration_exits_2(tmp_path, text, expected):
    path = tmp_path / "auditor.toml"
    path.write_text(text)
    result = run("--config", str(path), "config")
    _no_traceback(result)
    assert expected in result.output


def test_every_command_has_help():
    for command in main.commands:
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
