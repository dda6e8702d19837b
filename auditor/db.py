"""Opening the audit database with the configured limits and the schema in place."""

from __future__ import annotations

from pathlib import Path

import duckdb

from auditor.config import Config
from auditor.errors import AuditorError
from auditor.resources import queries_dir


def connect(path: str | Path, config: Config) -> duckdb.DuckDBPyConnection:
    """Open (or create) the database at `path` (or ":memory:"), apply settings, create tables."""
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
    con.execute((queries_dir() / "schema.sql").read_text(encoding="utf-8"))
    return con
