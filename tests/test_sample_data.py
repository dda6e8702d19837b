"""The committed sample data against its written answer keys, through the CLI as a user runs it."""

from __future__ import annotations

import csv
import json

import duckdb
import pytest
from click.testing import CliRunner
from conftest import SAMPLE

from auditor.cli import main


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("sample") / "audit.duckdb")
    result = CliRunner().invoke(main, ["load", str(SAMPLE), "--db", db])
    assert result.exit_code == 0, result.output
    return db


def test_loading_the_sample_rejects_exactly_the_expected_rows(sample_db):
    with open(SAMPLE / "expected_rejections.csv", newline="") as fh:
        expected = {(r["file"], int(r["line"]), r["rule"]) for r in csv.DictReader(fh)}
    con = duckdb.connect(sample_db, read_only=True)
    got = set(con.execute("SELECT file, line, rule FROM rejected_rows").fetchall())
    counts = con.execute("SELECT sum(rows_read), sum(rows_loaded + rows_rejected + duplicates) FROM loaded_files").fetchone()
    con.close()
    assert got == expected
    assert counts[0] == counts[1]


def test_check_finds_exactly_the_answer_key(sample_db):
    result = CliRunner().invoke(main, ["check", "--db", sample_db, "--format", "json"])
    assert result.exit_code == 1  # the sample has high findings
    data = json.loads(result.output)
    got = {(f["control"], f["event_id"]) for f in data["findings"]}
    with open(SAMPLE / "expected_findings.csv", newline="") as fh:
        expected = {(r["control"], r["event_id"]) for r in csv.DictReader(fh)}
    assert sorted(got - expected) == [] and sorted(expected - got) == []
    assert all(c["status"] == "fail" for c in data["controls"])  # every control has planted findings
