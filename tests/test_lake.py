"""`auditor export --parquet`: the Parquet lake's layout (docs/lake.md), appending a month, and
the lake read back with `--lake` (DuckDB on the lake gives the database's findings)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from auditor.cli import main
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("lake") / "audit.duckdb"
    result = CliRunner().invoke(main, ["load", str(SAMPLE), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def export(db: Path, lake: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["export", "--db", str(db), "--parquet", str(lake), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_layout_by_month_with_schema_and_provenance(sample_db: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    export(sample_db, lake)
    months = sorted(p.name for p in (lake / "access_events").iterdir())
    assert months == ["month=2026-08", "month=2026-09", "month=2026-10"]
    assert json.loads((lake / "_lake.json").read_text())["months"]["access_events"] == ["2026-08", "2026-09", "2026-10"]
    con = duckdb.connect(str(sample_db), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    for table, column in (("access_events", "occurred_at"), ("dsr_requests", "received_at")):
        # Every row is in the folder of its UTC month, and nothing is lost or added.
        stored, misplaced = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE strftime({column}, '%Y-%m') <> month) "
            "FROM read_parquet(?, hive_partitioning = true)", [f"{lake}/{table}/*/*.parquet"]).fetchone()
        assert misplaced == 0
        assert stored == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    schema = dict(con.execute("SELECT name, type FROM parquet_schema(?)", [str(lake / "_schema/access_events.parquet")]).fetchall())
    assert {"_file_id", "_line", "_hash", "_extra", "fields"} <= set(schema)
    # The rejected rows and the files they came from travel with the logs: counts reconcile.
    read, loaded, rejected, dupes = con.execute(
        "SELECT sum(rows_read), sum(rows_loaded), sum(rows_rejected), sum(duplicates) FROM read_parquet(?)",
        [str(lake / "loaded_files/part-0.parquet")]).fetchone()
    assert read == loaded + rejected + dupes
    assert rejected == con.execute("SELECT count(*) FROM read_parquet(?)", [str(lake / "rejected_rows/part-0.parquet")]).fetchone()[0] > 0
    con.close()


def test_appending_a_month_leaves_the_others_untouched(sample_db: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    export(sample_db, lake, "--month", "2026-08")
    assert sorted(p.name for p in (lake / "access_events").iterdir()) == ["month=2026-08"]
    first = lake / "access_events/month=2026-08/part-0.parquet"
    before = (first.stat().st_ino, first.stat().st_mtime_ns)
    out = export(sample_db, lake, "--month", "2026-09")
    assert "access_events: 2026-09: 9383" in out
    assert sorted(p.name for p in (lake / "access_events").iterdir()) == ["month=2026-08", "month=2026-09"]
    assert (first.stat().st_ino, first.stat().st_mtime_ns) == before  # not rewritten
    assert json.loads((lake / "_lake.json").read_text())["months"]["consent_events"] == ["2026-08", "2026-09"]
    assert not [p for p in lake.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_refuses_a_folder_that_is_not_a_lake(sample_db: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["export", "--db", str(sample_db), "--parquet", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty and not a lake" in result.output
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]


def test_bad_month_is_a_usage_error(sample_db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--db", str(sample_db), "--parquet", str(tmp_path / "l"), "--month", "10/2026"])
    assert result.exit_code == 2
    assert "expected YYYY-MM" in result.output


def test_check_on_the_lake_gives_the_databases_findings(sample_db: Path, tmp_path: Path) -> None:
    """DuckDB reading the lake (--lake) judges as DuckDB reading the database: same verdict,
    statuses, evidence and findings."""
    lake = tmp_path / "lake"
    export(sample_db, lake)
    runs = tmp_path / "runs.duckdb"
    on_db = CliRunner().invoke(main, ["check", "--db", str(sample_db), "--format", "json", "--period", "2026-09"])
    on_lake = CliRunner().invoke(main, ["check", "--db", str(runs), "--lake", str(lake), "--format", "json", "--period", "2026-09"])
    assert on_db.exit_code == on_lake.exit_code == 1
    a, b = json.loads(on_db.output), json.loads(on_lake.output)
    for key in ("verdict", "controls", "findings", "evidence"):
        assert a[key] == b[key], key
    assert a["findings"]


def test_spark_engine_needs_a_lake(sample_db: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--db", str(sample_db), "--engine", "spark"])
    assert result.exit_code == 2
    assert "--lake" in result.output


def test_a_folder_that_is_not_a_lake_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--db", str(tmp_path / "r.duckdb"), "--lake", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a lake" in result.output


def test_a_lake_run_never_goes_into_a_database_with_logs(sample_db: Path, tmp_path: Path) -> None:
    """Its run would later be taken for a run of the database's own logs."""
    lake = tmp_path / "lake"
    export(sample_db, lake)
    result = CliRunner().invoke(main, ["check", "--db", str(sample_db), "--lake", str(lake)])
    assert result.exit_code == 2
    assert "holds loaded logs" in result.output


def test_export_refuses_a_database_with_nothing_loaded(sample_db: Path, tmp_path: Path) -> None:
    """A runs-only database (made with --lake) exported into the lake would empty its users and
    loaded_files: refused in one line, the lake left as it was."""
    lake, runs = tmp_path / "lake", tmp_path / "runs.duckdb"
    export(sample_db, lake)
    assert CliRunner().invoke(main, ["check", "--db", str(runs), "--lake", str(lake)]).exit_code in (0, 1, 3)
    before = {p: p.read_bytes() for p in lake.rglob("*") if p.is_file()}
    result = CliRunner().invoke(main, ["export", "--db", str(runs), "--parquet", str(lake)])
    assert result.exit_code == 2, result.output
    assert "nothing to export" in result.output and "Traceback" not in result.output
    assert {p: p.read_bytes() for p in lake.rglob("*") if p.is_file()} == before


def test_findings_to_lake_writes_the_run_beside_the_logs(sample_db: Path, tmp_path: Path) -> None:
    """`check --lake L --findings-to-lake`: the run's check_runs row, control_results and
    findings in L/<table>/run=KEY/, the same rows as the run database holds; the lake stays a lake."""
    lake, runs = tmp_path / "lake", tmp_path / "runs.duckdb"
    export(sample_db, lake)
    result = CliRunner().invoke(main, ["check", "--db", str(runs), "--lake", str(lake), "--period", "2026-09",
                                       "--format", "json", "--findings-to-lake"])
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["findings"]  # the note of what was written goes to stderr
    (key,) = [p.name for p in (lake / "findings").iterdir()]
    assert re.fullmatch(r"run=\d{8}T\d{6}Z-[0-9a-f]{8}", key) and f"({key})" in result.stderr
    con = duckdb.connect(str(runs), read_only=True)
    for table in ("check_runs", "control_results", "findings"):
        (part,) = (lake / table / key).iterdir()
        columns = "* EXCLUDE (waiver)" if table == "findings" else "* EXCLUDE (control_sha256)" if table == "check_runs" else "*"
        in_db = con.execute(f"SELECT {columns} FROM {table} ORDER BY ALL").fetchall()
        in_lake = con.execute(f"SELECT {columns} FROM read_parquet(?, hive_partitioning = false) ORDER BY ALL", [str(part)]).fetchall()
        assert in_lake == in_db and in_db, table
    con.close()
    again = CliRunner().invoke(main, ["check", "--db", str(runs), "--lake", str(lake), "--findings-to-lake"])
    assert again.exit_code == 1, again.output
    assert len(list((lake / "findings").iterdir())) == 2  # a second run beside the first, which is kept
    export(sample_db, lake, "--month", "2026-10")  # exporting again leaves the runs alone
    assert len(list((lake / "check_runs").iterdir())) == 2
    assert not [p for p in lake.iterdir() if p.name.startswith(".")]


def test_findings_to_lake_needs_a_lake_and_spark_for_a_uri(sample_db: Path, tmp_path: Path) -> None:
    no_lake = CliRunner().invoke(main, ["check", "--db", str(sample_db), "--findings-to-lake"])
    assert no_lake.exit_code == 2 and "give --lake" in no_lake.output
    uri = CliRunner().invoke(main, ["check", "--db", str(tmp_path / "runs.duckdb"), "--lake", "s3://bucket/lake",
                                    "--findings-to-lake"])
    assert uri.exit_code == 2 and uri.output.strip().splitlines() == [
        "error: s3://bucket/lake: --findings-to-lake writes a lake at a URI with --engine spark only "
        "(or give the lake's local folder)"]
    assert not (tmp_path / "runs.duckdb").exists()  # said before any work
