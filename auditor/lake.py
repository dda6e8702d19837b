"""`auditor export --parquet`: the validated logs of an audit database as a Parquet lake, and the
lake read back as the log tables of a run.

The layout is a contract (docs/lake.md): `<table>/month=YYYY-MM/part-0.parquet` for the logs, by
the UTC month of their time column; `<table>/part-0.parquet` for the tables that are not by
month; `_schema/<table>.parquet` (no rows) holds every table's columns and types, so an empty
table still has a schema; `_lake.json` names the layout's version and the months each log holds.
A month is written into a staging folder and then moved into place, so an export replaces the
months it writes and leaves every other month as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from datetime import timezone
from pathlib import Path
from typing import Any

import duckdb

from auditor.db import temp_versions
from auditor.errors import AuditorError
from auditor.resources import sql

LAKE_VERSION = 1
# Each log by the UTC month of its time column; the other tables whole (small: one row per file,
# per rejected row, per exported record).
PARTITIONED = {
    "admin_events": "occurred_at",
    "consent_events": "occurred_at",
    "access_events": "occurred_at",
    "dsr_requests": "received_at",
    "linkedin_setting_snapshots": "taken_at",
}
WHOLE = ("users", "loaded_files", "rejected_rows", "source_events", "source_twins")
TABLES = (*PARTITIONED, *WHOLE)
# A check run written into the lake (`check --findings-to-lake`): each table by run.
RUN_TABLES = ("check_runs", "control_results", "findings")


def is_uri(lake: str) -> bool:
    """Whether `lake` is a URI (s3://, abfss://, hdfs://, ...) rather than a local folder (a
    scheme and a colon, then a slash: a path object keeps one slash of the two)."""
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]+:/", lake) is not None


def _select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The table's columns as the lake stores them: JSON as text (Parquet readers such as Spark
    do not all know DuckDB's JSON type); every other type as it is."""
    columns = con.execute(sql("lake/columns"), [table]).fetchall()
    return ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' if t == "JSON" else f'"{c}"' for c, t in columns)


def export(con: duckdb.DuckDBPyConnection, folder: Path, months: tuple[str, ...] = ()) -> dict[str, object]:
    """Write the database's logs into the lake at `folder` (created when missing): every month it
    holds, or only `months` (YYYY-MM). A month already in the lake is replaced; the others stay.
    Returns what was written: {table: {month: rows}} and the whole tables' rows."""
    if is_uri(str(folder)):
        raise AuditorError(f"{folder}: export writes a local folder; copy it to object storage afterwards")
    manifest_path = folder / "_lake.json"
    manifest = {"version": LAKE_VERSION, "months": {}}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("version") != LAKE_VERSION:
            raise AuditorError(f"{manifest_path}: a lake of layout version {manifest.get('version')!r}; "
                               f"this auditor writes version {LAKE_VERSION}")
    elif folder.exists() and any(folder.iterdir()):
        raise AuditorError(f"{folder}: not empty and not a lake (no _lake.json): refusing to write into it")
    staging = folder / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    written: dict[str, object] = {}
    try:
        (staging / "_schema").mkdir()
        for table in TABLES:
            con.sql(sql("lake/schema").format(columns=_select(con, table), table=table)).write_parquet(str(staging / "_schema" / f"{table}.parquet"))
        for table, column in PARTITIONED.items():
            month = f"strftime(timezone('UTC', {column}), '%Y-%m')"
            counts = dict(con.execute(sql("lake/month_counts").format(month=month, table=table)).fetchall())
            chosen = sorted(m for m in counts if not months or m in months)
            written[table] = {m: counts[m] for m in chosen}
            if chosen:
                con.sql(sql("lake/months").format(columns=_select(con, table), month=month, table=table, time=column),
                        params={"m": chosen}).write_parquet(
                    str(staging / table), partition_by=["month"], filename_pattern="part-{i}")
            held = set(manifest["months"].get(table, [])) | set(chosen)
            manifest["months"][table] = sorted(held)
        for table in WHOLE:
            (staging / table).mkdir()
            con.sql(sql("lake/whole").format(columns=_select(con, table), table=table)).write_parquet(
                str(staging / table / "part-0.parquet"))
            written[table] = con.execute(sql("lake/count").format(table=table)).fetchone()[0]
        # Into place: each month folder, each whole table, the schemas, then the manifest last.
        for table in PARTITIONED:
            for part in sorted((staging / table).glob("month=*")) if (staging / table).exists() else ():
                _replace(part, folder / table / part.name)
        for table in WHOLE:
            _replace(staging / table, folder / table)
        _replace(staging / "_schema", folder / "_schema")
        tmp = staging / "_lake.json"
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, manifest_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _replace(source: Path, target: Path) -> None:
    """Move `source` to `target`, replacing what was there."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        old = target.with_name(f".old-{uuid.uuid4().hex}")
        os.replace(target, old)
        os.replace(source, target)
        shutil.rmtree(old)
    else:
        os.replace(source, target)


def table_files(lake: str, table: str) -> list[str]:
    """The Parquet files of a table: its schema file first (so an empty table has its columns),
    then its data files."""
    base = lake.rstrip("/")
    data = f"{base}/{table}/month=*/*.parquet" if table in PARTITIONED else f"{base}/{table}/*.parquet"
    if not is_uri(lake):
        root = Path(lake)
        if not (root / "_lake.json").is_file():
            raise AuditorError(f"{lake}: not a lake made by `auditor export --parquet` (no _lake.json)")
        pattern = "month=*/*.parquet" if table in PARTITIONED else "*.parquet"
        return [str(root / "_schema" / f"{table}.parquet"), *sorted(str(p) for p in (root / table).glob(pattern))]
    return [f"{base}/_schema/{table}.parquet", data]


def attach(con: duckdb.DuckDBPyConnection, lake: str) -> None:
    """Make the lake's tables the log tables of this connection: each is a temporary view over
    its Parquet files, in front of the database's own table of that name (the shared views and
    the controls then read the lake), and access_versions computed from its access events.
    Nothing is copied into the database."""
    for table in TABLES:
        con.register(table, con.read_parquet(table_files(lake, table), hive_partitioning=False, union_by_name=False))
    temp_versions(con)


def require_run_writer(lake: str, spark: bool) -> None:
    """A run is written into a local lake folder by DuckDB; into a URI only by Spark."""
    if is_uri(lake) and not spark:
        raise AuditorError(f"{lake}: --findings-to-lake writes a lake at a URI with --engine spark only "
                           "(or give the lake's local folder)")


def write_run(con: duckdb.DuckDBPyConnection, lake: str, run_id: int, spark: Any = None) -> str:
    """Write the run `run_id` of the database (its check_runs row, control_results and findings)
    into the lake as `<table>/run=<key>/`, the key its start in UTC and a random suffix (run ids
    are a database's own: two databases writing into one lake do not collide). A local folder is
    written by DuckDB, through a staging folder; a URI by Spark (`spark`, the run's session).
    Returns the key."""
    started = con.execute(sql("lake/run_started"), {"run": run_id}).fetchone()[0]
    key = f"run={started.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    select = {t: sql("lake/run_rows").format(columns=_select(con, t), table=t) for t in RUN_TABLES}
    require_run_writer(lake, spark is not None)
    if is_uri(lake):
        for table in RUN_TABLES:
            rows = con.sql(select[table], params={"run": run_id}).to_arrow_table()
            spark.createDataFrame(rows).coalesce(1).write.parquet(f"{lake.rstrip('/')}/{table}/{key}")
        return key
    folder = Path(lake)
    staging = folder / f".staging-{uuid.uuid4().hex}"
    try:
        for table in RUN_TABLES:
            (staging / table).mkdir(parents=True)
            con.sql(select[table], params={"run": run_id}).write_parquet(str(staging / table / "part-0.parquet"))
        for table in RUN_TABLES:
            _replace(staging / table, folder / table / key)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return key
