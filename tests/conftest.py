"""Helpers to write the smallest logs a test needs, in any input format, and load them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditor.config import Config
from auditor.db import connect
from auditor.ingest import LoadResult, load
from auditor.schema import LOGS_BY_NAME

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data"

ACCESS = {
    "event_id": "a1",
    "occurred_at": "2026-10-01T10:00:00Z",
    "user_id": "u1",
    "direction": "linkedin_to_microsoft",
    "category": "profile",
    "session_id": "s1",
}
CONSENT = {
    "event_id": "c1",
    "occurred_at": "2026-10-01T09:00:00Z",
    "user_id": "u1",
    "action": "connect",
    "scope": "bidirectional",
}


def write_log(folder: Path, log: str, rows: list[dict], fmt: str = "csv", name: str | None = None) -> Path:
    """Write rows (dicts of text; lists for list columns) as one log file; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(k for row in rows for k in row)) or list(LOGS_BY_NAME[log].column_names)
    path = folder / f"{name or log}.{fmt}"
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([";".join(v) if isinstance(v, list) else v for v in (row.get(c, "") for c in columns)])
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    else:
        arrays = {}
        for c in columns:
            values = [row.get(c) for row in rows]
            is_list = any(isinstance(v, list) for v in values)
            arrays[c] = pa.array(values, type=pa.list_(pa.string()) if is_list else pa.string())
        pq.write_table(pa.table(arrays), path)
    return path


def write_input(folder: Path, fmt: str = "csv", **logs: list[dict]) -> Path:
    """Write an input folder; consent_events and access_events default to one valid row each."""
    logs.setdefault("consent_events", [CONSENT])
    logs.setdefault("access_events", [ACCESS])
    for log, rows in logs.items():
        write_log(folder, log, rows, fmt)
    return folder


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = connect(":memory:", Config())
    yield connection
    connection.close()


def load_into(con: duckdb.DuckDBPyConnection, folder: Path, config: Config | None = None) -> LoadResult:
    return load(con, folder, config or Config())


def rejected(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(file, line, column, rule) of every rejected row, in order."""
    return con.execute("SELECT file, line, column_name, rule FROM rejected_rows ORDER BY file_id, line").fetchall()


def assert_reconciled(result: LoadResult) -> None:
    for f in result.files:
        assert f.rows_read == f.rows_loaded + f.rows_rejected + f.duplicates, f


def run_auditor(*args: str, env: dict | None = None, timeout: float = 120) -> tuple[int, str, str, float]:
    """Run `auditor ARGS` in a child process; return its exit code, stdout, stderr and peak RSS in MB.

    The child is started by a fresh Python process that reports resource.getrusage(RUSAGE_CHILDREN)
    once it has waited for it: the peak of that one child, not of any process this test run
    started before.
    """
    import os
    import subprocess
    import sys

    wrapper = (
        "import json, resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps([p.returncode, p.stdout, p.stderr, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n"
    )
    command = [sys.executable, "-c", wrapper, sys.executable, "-c", "from auditor.cli import main; main()", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    code, out, err, peak_kb = json.loads(done.stdout)
    return code, out, err, peak_kb / 1024


def assert_row_hashes(con: duckdb.DuckDBPyConnection) -> None:
    """Every log row holds the hash of its id in _id_hash, what the loader matches a file's ids
    against, and the hash of its stored canonical values in _hash, whichever path wrote it
    (checked into _checked, written once, an export's adapter) and whichever format: a column
    a file lacks is hashed as the typed NULL it is stored as."""
    from auditor.schema import TABLES

    for log in TABLES.values():
        columns = ", ".join(f'"{c}"' for c in log.column_names)
        wrong = con.execute(f'SELECT count(*) FROM {log.name} WHERE _id_hash IS DISTINCT FROM hash("{log.id_column}") '
                            f"OR _hash IS DISTINCT FROM hash({columns})")
        assert wrong.fetchone()[0] == 0, log.name
    assert con.execute("SELECT count(*) FROM access_events").fetchone()[0] > 0
