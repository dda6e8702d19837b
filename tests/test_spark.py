"""`--engine spark`: the controls of queries/, translated by sqlglot, give on Apache Spark the
findings DuckDB gives, row for row.

The translation tests need sqlglot only and run in the default suite. The tests that run Spark
(pytest mark `spark`, local[2]) need Java 17 and PySpark; they are not in the default run
(`python -m pytest -q -m spark -n 0` runs them); without Java or PySpark they skip, saying why,
and with AUDITOR_REQUIRE_SPARK=1 (set by .ci/run, which installs Java) they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from auditor.cases import case_database, case_parameters, load_cases
from auditor.check import latest_moment, run_check
from auditor.cli import main
from auditor.config import Config, Spark
from auditor.controls import Control, catalogue, parameters
from auditor.db import connect
from auditor.lake import export
from auditor.spark import NoSparkForm, compare, control_source, register_lake, session, translate
from tests.test_lake import sample_db  # noqa: F401  (the fixture: the sample loaded into a database file)

LOCAL = Config(spark=Spark(master="local[2]", conf={"spark.sql.shuffle.partitions": "2"}))


# --- the translation (no Spark needed) ----------------------------------------------------------

def test_macros_are_expanded_and_parameters_named() -> None:
    sql = translate("SELECT fmt_ts(occurred_at) AS t FROM admin_events WHERE occurred_at <= $as_of")
    assert "FMT_TS" not in sql.upper().replace("DATE_FORMAT", "")
    assert "DATE_FORMAT((occurred_at), 'yyyy-MM-dd HH:mm \\'UTC\\'')" in sql
    assert ":as_of" in sql and "$as_of" not in sql


def test_asof_join_becomes_a_join_on_the_spell() -> None:
    sql = translate("SELECT g.x FROM g ASOF LEFT JOIN memberships m ON g.u = m.user_id AND g.t >= m.valid_from")
    assert "ASOF" not in sql
    assert "LEAD(valid_from) OVER (PARTITION BY user_id ORDER BY valid_from" in sql
    assert "LEFT JOIN" in sql and "g.t < m.__asof_next" in sql
    strict = translate("SELECT a.x FROM a ASOF JOIN p ON p.taken_at < a.t")
    assert "a.t <= p.__asof_next" in strict  # x > v: the spell (v, next]


def test_what_has_no_rule_is_said() -> None:
    with pytest.raises(NoSparkForm, match="strftime directive %j"):
        translate("SELECT strftime(t, '%j') FROM x")
    with pytest.raises(NoSparkForm, match="ASOF join condition"):
        translate("SELECT 1 FROM a ASOF JOIN b ON a.k <> b.k AND a.t >= b.t")


def test_every_control_translates() -> None:
    for control in catalogue():
        sql = translate(control.sql)
        assert "$" not in sql and not re.search(r"\bASOF\b", sql, re.IGNORECASE), control.id


def test_spark_settings_do_not_change_the_runs_digest() -> None:
    assert LOCAL.digest() == Config().digest()


def test_default_path_imports_neither_sqlglot_nor_pyspark(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from auditor.cli import main; from auditor import check, lake;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlglot', 'pyspark')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def spark_check(tmp_path: Path) -> Any:
    # The dependencies are checked before the lake is opened: a lake that is not there is not reached.
    return CliRunner().invoke(main, ["check", "--engine", "spark", "--lake", str(tmp_path / "no-lake"),
                                     "--db", str(tmp_path / "runs.duckdb")])


@pytest.mark.parametrize("module", ["pyspark", "sqlglot"])
def test_without_pyspark_or_sqlglot_one_line_and_exit_2(module: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, module, None)  # `import pyspark` (sqlglot) now raises ImportError
    monkeypatch.delitem(sys.modules, "auditor.spark", raising=False)  # so that importing it imports sqlglot again
    result = spark_check(tmp_path)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        f"error: --engine spark needs {'PySpark' if module == 'pyspark' else 'sqlglot and PySpark'}: pip install 'auditor[spark]'"]
    assert "Traceback" not in result.output and not (tmp_path / "runs.duckdb").exists()


def test_without_java_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))  # no bin/java in it
    result = spark_check(tmp_path)
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: --engine spark needs Java 17") and f"JAVA_HOME={tmp_path} has no bin/java" in line
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.setenv("PATH", str(tmp_path))  # and no java on the PATH
    assert "(no java on PATH)" in spark_check(tmp_path).output


# --- on Spark -----------------------------------------------------------------------------------

def unavailable(why: str) -> None:
    if os.environ.get("AUDITOR_REQUIRE_SPARK") == "1":
        pytest.fail(f"{why} (AUDITOR_REQUIRE_SPARK=1: Spark tests must run)")
    pytest.skip(why)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None:
        unavailable("no java: apt-get install openjdk-17-jre-headless (.ci/run does)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("no PySpark: pip install 'auditor[spark]'")
    s = session(LOCAL)
    yield s
    s.stop()


def assert_engines_agree(con: duckdb.DuckDBPyConnection, spark: Any, lake: Path, config: Config = LOCAL,
                         controls: list[Control] | None = None, params: dict[str, object] | None = None) -> dict:
    """Export the loaded database `con` into `lake`, run the controls (default: every one) on
    DuckDB (the database) and on Spark (the lake), bound with `params` (default: at the latest
    moment loaded), and require the same findings row for row (control, source, event id, user,
    occurred_at, arose_at, reason)."""
    export(con, lake)
    register_lake(spark, str(lake))
    controls = catalogue() if controls is None else controls
    found = compare(con, spark, controls, params or parameters(config, latest_moment(con)))
    differing = {c: n for c, n in found.items() if n["only_duckdb"] or n["only_spark"] or n["duckdb"] != n["spark"]}
    assert not differing, differing
    return found


@pytest.mark.spark
def test_every_control_same_findings_on_the_sample(spark: Any, sample_db: Path, tmp_path: Path) -> None:
    con = connect(sample_db, LOCAL)
    found = assert_engines_agree(con, spark, tmp_path / "lake")
    con.close()
    assert len(found) == len(catalogue())
    assert all(n["duckdb"] > 0 for n in found.values())  # every control finds its planted cases: nothing compared empty


CASES = [(c, case) for c in catalogue() for case in load_cases(c)]


@pytest.mark.spark
@pytest.mark.parametrize(("control", "case"), CASES, ids=[f"{c.id}: {case.name}" for c, case in CASES])
def test_every_unit_case_same_findings(spark: Any, control: Control, case: Any, tmp_path: Path) -> None:
    """Each unit case of each control (its cases.toml), in a lake of its own: the same rows on
    both engines, at the case's as_of and with its settings (the one session serves them all)."""
    con = case_database(case, f"{control.id}: {case.name}")
    try:
        (found,) = assert_engines_agree(con, spark, tmp_path / "lake", case.config, [control],
                                        case_parameters(con, control, case)).values()
    finally:
        con.close()
    assert found["duckdb"] >= len(case.expect)  # what the case expects was found: not compared empty


@pytest.mark.spark
def test_check_engine_spark_same_verdict_statuses_and_findings(spark: Any, sample_db: Path, tmp_path: Path) -> None:
    lake, runs = tmp_path / "lake", tmp_path / "runs.duckdb"
    assert CliRunner().invoke(main, ["export", "--db", str(sample_db), "--parquet", str(lake)]).exit_code == 0
    on_duckdb = CliRunner().invoke(main, ["check", "--db", str(sample_db), "--period", "2026-10", "--format", "json"])
    on_spark = CliRunner().invoke(main, ["check", "--engine", "spark", "--lake", str(lake), "--db", str(runs),
                                         "--period", "2026-10", "--format", "json"])
    assert on_spark.exit_code == on_duckdb.exit_code == 1, on_spark.output
    a, b = json.loads(on_duckdb.output), json.loads(on_spark.output)
    for key in ("verdict", "controls", "findings", "evidence"):
        assert a[key] == b[key], key
    # The report needs the five months before the period for its trend, which a check run does
    # not keep: it makes its own run (DuckDB over the lake), with the Spark run's period findings.
    report = CliRunner().invoke(main, ["report", "--lake", str(lake), "--db", str(runs), "--period", "2026-10",
                                       "--format", "html", "--out", str(tmp_path / "reports")])
    assert report.exit_code == 0, report.output
    con = duckdb.connect(str(runs), read_only=True)
    period = [con.execute("SELECT control, source, event_id, arose_at, reason FROM findings "
                          "WHERE run_id = ? AND in_period ORDER BY ALL", [run]).fetchall() for run in (1, 2)]
    assert con.execute("SELECT count(*) FROM check_runs").fetchone()[0] == 2
    con.close()
    assert period[0] == period[1] and period[0]


@pytest.mark.spark
def test_a_control_spark_cannot_run_is_in_error(spark: Any, sample_db: Path, tmp_path: Path) -> None:
    con = connect(sample_db, LOCAL)
    export(con, tmp_path / "lake")
    register_lake(spark, str(tmp_path / "lake"))
    broken = replace(catalogue()[0], sql="SELECT * FROM no_such_table")
    result = run_check(con, LOCAL, [broken], source=control_source(con, spark))
    con.close()
    (r,) = result.results
    assert r.status == "error" and r.reason.startswith("Spark: ") and "no_such_table" in r.reason
    assert result.verdict == "incomplete"


@pytest.mark.spark
def test_findings_to_a_lake_at_a_uri_are_written_by_spark(spark: Any, sample_db: Path, tmp_path: Path) -> None:
    """A lake at a URI (here file://) takes the run from Spark: the same rows as the database's."""
    from auditor.lake import RUN_TABLES, write_run

    con = connect(sample_db, LOCAL)
    result = run_check(con, LOCAL, catalogue())
    key = write_run(con, f"file://{tmp_path}/lake", result.run_id, spark)
    for table in RUN_TABLES:
        exclude = {"findings": " EXCLUDE (waiver)", "check_runs": " EXCLUDE (control_sha256)"}.get(table, "")
        in_db = con.execute(f"SELECT *{exclude} FROM {table} WHERE run_id = ? ORDER BY ALL", [result.run_id]).fetchall()
        in_lake = con.execute(f"SELECT *{exclude} FROM read_parquet(?, hive_partitioning = false) ORDER BY ALL",
                              [f"{tmp_path}/lake/{table}/{key}/*.parquet"]).fetchall()
        assert in_lake == in_db and in_db, table
    con.close()


@pytest.mark.spark
def test_a_running_session_keeps_its_settings(spark: Any) -> None:
    """Under spark-submit or on a cluster's session, auditor's defaults for a session of its own
    (8 shuffle partitions) do not override the launcher's; UTC and [spark] conf are still set."""
    again = session(Config(spark=Spark(conf={"spark.sql.broadcastTimeout": "301"})))
    assert again is spark or again.sparkContext is spark.sparkContext
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"  # LOCAL's, not the default 8
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.broadcastTimeout") == "301"
