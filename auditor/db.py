"""Opening the audit database with the configured limits and the schema in place."""

from __future__ import annotations

import re
from pathlib import Path

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
    for name in ("schema.sql", "views.sql"):
        con.execute(((queries or queries_dir()) / name).read_text(encoding="utf-8"))
    return con


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> duckdb.DuckDBPyConnection:
    """Execute with the named parameters the SQL uses (DuckDB refuses unused ones), bound."""
    used = set(re.findall(r"\$(\w+)", sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in used})
