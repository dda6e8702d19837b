"""The benchmark (benchmarks/run.py) end to end at 20k events: every step runs, the JSON is
written, and the pandas way finds exactly what auditor check finds. No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"  # benchmarks/interactive.py measures in it when it is there
STEPS = {
    "floor_load_parquet", "floor_scan", "floor_load_csv", "bound_typed_parquet", "bound_check_parquet",
    "load_parquet", "load_csv", "floor_load_parquet-typed", "load_parquet-typed", "load_month_fresh",
    "load_month_append", "check", "check_period", "check_5", "report", "report_busy", "subject", "pandas",
}


def test_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    results = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--events", "20k", "--repeat", "1", "--formats", "parquet,csv,parquet-typed",
         "--workdir", str(tmp_path / "work"), "--results-dir", str(results),
         "--skip", "spark"],  # a JVM and Spark's start-up: the spark mark's tests run the same path
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    (path,) = results.glob("*-20k.json")
    res = json.loads(path.read_text())
    assert STEPS <= set(res["steps"])
    for key in STEPS:
        step = res["steps"][key]
        if key == "subject" and step["status"] == "skipped":  # an auditor without `subject`
            continue
        assert step["status"] == "ok", (key, step)
        assert step["seconds"] > 0 and step["peak_rss_kib"] > 0 and len(step["runs"]) == 1

    cmp = res["pandas_matches_auditor"]
    assert cmp["held"] is True and cmp["check_5_agrees"] is True
    assert cmp["only_auditor"] == [] and cmp["only_pandas"] == []
    assert all(cmp["by_control"].values())  # the sample plants findings of each of the five

    assert 10_000 < res["events"] < 30_000
    # Both bounds wrote every access event of the files (the validation bound sets nothing aside).
    for key in ("bound_typed_parquet", "bound_check_parquet"):
        assert json.loads(Path(res["steps"][key]["runs"][0]["stdout"]).read_text())["rows"] == res["events"]
    assert res["data"]["loaded"]["access_events"]["loaded"] > 0
    # The typed Parquet files hold typed timestamps and integers, and the floor read them all.
    typed = Path(res["data"]["folder"]) / "parquet-typed" / "access_events.parquet"
    columns = {name: kind for name, kind, *_ in duckdb.sql(f"DESCRIBE SELECT * FROM '{typed}'").fetchall()}
    assert columns["occurred_at"] == "TIMESTAMP WITH TIME ZONE" and columns["connection_degree"] == "BIGINT"
    assert json.loads(Path(res["steps"]["floor_load_parquet-typed"]["runs"][0]["stdout"]).read_text())["rows"] == \
        json.loads(Path(res["steps"]["floor_load_parquet"]["runs"][0]["stdout"]).read_text())["rows"]
    # The busy month has many more findings than the generated data's month.
    assert res["steps"]["report_busy"]["findings"] > res["steps"]["report"]["findings"] + 100
    # Each report's HTML: its size, and its time to interactive in Chromium when there is one.
    for key in ("report", "report_busy"):
        step = res["steps"][key]
        assert step["html_bytes"] > 100_000
        tti = step["interactive"]
        if Path(CHROMIUM).exists():
            assert tti["status"] == "ok", tti
            assert tti["seconds"] > 0 and tti["findings"] == step["findings"] and tti["requests"] == []
            assert 0 < tti["rows_in_dom"] <= 100  # one page of rows, whatever the month holds
        else:
            assert tti["status"] == "skipped", tti
    assert {t["id"] for t in res["targets"]} >= {"load_parquet_vs_floor", "load_parquet-typed_vs_floor",
                                                 "load_parquet_rss_vs_floor", "append_month_vs_fresh", "check_vs_floor", "pandas_time_vs_auditor",
                                                 "pandas_rss_vs_auditor", "report_seconds", "report_busy_seconds",
                                                 "report_busy_interactive_seconds", "subject_seconds",
                                                 "check_period_cpu_vs_check", "report_cpu_vs_check"}
    assert set(res["versions"]) >= {"auditor", "duckdb", "pandas", "python"}
    assert res["machine"]["nproc"] >= 1 and res["machine"]["memory_total_kib"] > 0
    # Data and databases stay in tmp_path; DuckDB's spill folders are gone.
    run_dir = tmp_path / "work" / "run-20k"
    assert not list(run_dir.rglob("*.tmp")) and not (run_dir / "tmp").exists()
