"""Opening the audit database with the configured limits and the schema in place."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from auditor.config import Config
from auditor.errors import AuditorError
from auditor.resources import queries_dir


def connect(path: str | Path, config: Config, queries: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open (or create) the database at `path` (or ":memory:"), apply settings, create tables.

    `queries` is the folder with schema.sql and views.sql (default: the installed ones; an
    evidence pack's re-run uses the packed ones).
    """
    settings: dict[str, str | int] = {}
    if config.duckdb.memory_limit:
        settings["memory_limit"] = config.duckdb.memory_limit
    if config.duckdb.threads:
        settings["threads"] = config.duckdb.threads
    try:
        con = duckdb.connect(str(path), config=settings)
    except duckdb.Error as exc:
        raise AuditorError(f"{path}: cannot open the database: {exc}") from None
    # Every timestamp is stored and compared in UTC; report periods convert explicitly.
    con.execute("SET TimeZone = 'UTC'")
    schema = ((queries or queries_dir()) / "schema.sql").read_text(encoding="utf-8")
    con.execute(schema)
    _check_tables(con, path, schema)
    con.execute(((queries or queries_dir()) / "views.sql").read_text(encoding="utf-8"))
    return con


_COLUMNS_SQL = """SELECT table_name, list(column_name || ' ' || data_type ORDER BY column_index)
    FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main' GROUP BY table_name"""


def _check_tables(con: duckdb.DuckDBPyConnection, path: str | Path, schema: str) -> None:
    """Refuse a database whose tables are not the ones schema.sql makes (one made by an earlier
    version of auditor): CREATE TABLE IF NOT EXISTS keeps them as they were, and every query
    would fail on the first column that changed. The expected tables are made in an attached
    in-memory database (10 ms; a second connection took 37)."""
    database = con.execute("SELECT current_database()").fetchone()[0]
    con.execute("ATTACH ':memory:' AS _expected")
    try:
        con.execute("USE _expected")
        con.execute(schema)
        want = dict(con.execute(_COLUMNS_SQL, ["_expected"]).fetchall())
    finally:
        con.execute('USE "' + database.replace('"', '""') + '"')
        con.execute("DETACH _expected")
    have = dict(con.execute(_COLUMNS_SQL, [database]).fetchall())
    for table, columns in want.items():
        if have.get(table) != columns:
            missing = [c.split(" ")[0] for c in columns if c not in have.get(table, [])]
            con.close()
            raise AuditorError(
                f"{path}: made by another version of auditor (table {table}"
                + (f": {', '.join(missing)} missing or of another type" if missing else ": other columns")
                + "); load the logs into a new database (--db), or use the version that made it"
            )


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> duckdb.DuckDBPyConnection:
    """Execute with the named parameters the SQL uses (DuckDB refuses unused ones), bound."""
    used = set(re.findall(r"\$(\w+)", sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in used})


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The result as dicts by column name (for the few rows a report shows)."""
    cursor = run(con, sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def iso(t: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`: 2026-10-03T14:05:00Z (fractional seconds only when present)."""
    return None if t is None else t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def iso_sql(expr: str) -> str:
    """SQL of `iso` for a TIMESTAMPTZ expression (the connection's time zone is UTC): for many
    rows, which Python would format one by one."""
    return (f"strftime({expr}, CASE WHEN epoch_us({expr}) % 1000000 = 0 THEN '%Y-%m-%dT%H:%M:%SZ' "
            "ELSE '%Y-%m-%dT%H:%M:%S.%fZ' END)")


def plain(row: dict[str, Any]) -> dict[str, Any]:
    """A result row for JSON or CSV: its timestamps as ISO 8601 strings (iso)."""
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in row.items()}
