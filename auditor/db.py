"""Opening the audit database with the configured limits and the schema in place."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from auditor.config import Config
from auditor.errors import AuditorError
from auditor.resources import sql
from auditor.schema import TABLES, Log


def connect(path: str | Path, config: Config, write: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (or create) the database at `path` (or ":memory:"), apply settings, create tables.

    A database that cannot be written (a read-only file, folder or file system: an archived
    audit) is opened read-only, unless `write` (a load) needs it writable: then it is refused.
    Read-only, the shared views and macros are made as temporary ones, and a command's check
    run and pack record go to temporary tables that shadow the stored ones for the connection's
    life: a read-only database is never written, and its stored runs are not reused.
    """
    settings: dict[str, str | int] = {}
    if config.duckdb.memory_limit:
        settings["memory_limit"] = config.duckdb.memory_limit
    if config.duckdb.threads:
        settings["threads"] = config.duckdb.threads
    read_only = _read_only(path)
    if read_only and write:
        raise AuditorError(f"{path}: the database is read-only; load into a writable one (--db)")
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=settings)
    except duckdb.Error as exc:
        raise AuditorError(f"{path}: cannot open the database: {exc}") from None
    # Every timestamp is stored and compared in UTC; report periods convert explicitly.
    con.execute("SET TimeZone = 'UTC'")
    schema = sql("schema")
    views = sql("views")
    if read_only:
        # The run tables are shadowed by temporary ones below: a database made before a run
        # table gained a column (check_runs.findings_since) still serves every command that reads.
        # A database made before access_versions or access_held reads them made from its rows.
        _check_tables(con, path, schema, {t: c for t, c in _expected_columns(schema).items()
                                          if t not in RUN_TABLES and t != "access_versions"})
        if not _recorded(con, "access_versions"):
            temp_versions(con)
        con.execute(_as_temporary(views))
        if not _recorded(con, "access_held"):
            con.execute(sql("db/temp_held").replace("stored.", stored_catalog(con)))
        _shadow_run_tables(con, schema)
        return con
    # An empty new database is filled too: from no rows, at no cost.
    unrecorded, unheld = not _recorded(con, "access_versions"), not _recorded(con, "access_held")
    con.execute(schema)
    unhashed = _check_tables(con, path, schema)
    # Seconds at 10M rows: DuckDB's progress bar would write into a command's output.
    con.execute("SET enable_progress_bar = false")
    for log in unhashed:
        con.execute(sql("db/add_id_hash").format(table=log.name, key=log.key_sql))
    if unrecorded:
        con.execute(sql("load/all_versions").format(versions=sql("db/versions_from_rows")))
    con.execute(views)
    if unheld:
        con.execute(sql("db/all_held"))
    con.execute("RESET enable_progress_bar")
    return con


def identifier(name: str) -> str:
    """A name (a database's, a column's) quoted as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def stored_catalog(con: duckdb.DuckDBPyConnection) -> str:
    """The database's own catalog, quoted, with its dot: `"audit".` names the stored table where a
    temporary view of the same name shadows it."""
    return identifier(con.execute(sql("db/current_database")).fetchone()[0]) + "."


def temp_versions(con: duckdb.DuckDBPyConnection) -> None:
    """access_versions made from the rows as a temporary table, where no loader kept it (a lake's
    logs, a database made before the table opened read-only): log-integrity and a period's window
    read it in every case."""
    con.execute(sql("db/temp_versions").format(versions=sql("db/versions_from_rows")))


def _recorded(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the database has `table`, access_versions or access_held (the loader keeps them as
    it writes; a database made before one has not: it is filled from the whole history once, when
    opened writable)."""
    return con.execute(sql("db/recorded"), {"table": table}).fetchone()[0]


def _read_only(path: str | Path) -> bool:
    """Whether an existing database file, or the folder it writes its log beside, cannot be
    written (access() also says so for a read-only file system and an immutable file)."""
    if str(path) == ":memory:" or not Path(path).exists():
        return False
    folder = Path(path).resolve().parent
    return not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))


def _as_temporary(sql: str) -> str:
    """views.sql with each view and macro made TEMP (a read-only database takes no new object)."""
    return re.sub(r"\bCREATE OR REPLACE (VIEW|MACRO)\b", r"CREATE OR REPLACE TEMP \1", sql)


# What commands other than `load` write: a check run (check_runs, control_results, findings,
# run_evidence) and a pack's record (evidence_packs).
RUN_TABLES = ("check_runs", "control_results", "findings", "run_evidence", "evidence_packs")


def _shadow_run_tables(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Temporary run tables in front of the stored ones (a temporary table shadows a table of
    the same name); the packs made before are copied in, for the chain of a new pack."""
    following = con.execute(sql("db/keep_packs")).fetchone()[0]
    for statement in _statements(schema):
        match = re.match(r"CREATE (SEQUENCE|TABLE) IF NOT EXISTS (\w+)", statement)
        if not match or match.group(2).removesuffix("_seq") not in RUN_TABLES:
            continue
        temporary = statement.replace(f"CREATE {match.group(1)} IF NOT EXISTS", f"CREATE TEMP {match.group(1)}", 1)
        if match.group(2) == "evidence_packs_seq":
            temporary = re.sub(r"START \d+", f"START {int(following)}", temporary)
        con.execute(temporary)
    con.execute(sql("db/restore_packs"))


def _statements(sql: str) -> list[str]:
    """The statements of one of our own SQL files (no `;` inside a string), comments dropped."""
    text = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in text.split(";") if s.strip()]


def _expected_columns(schema: str) -> dict[str, list[str]]:
    """The tables schema.sql makes, with their columns, from a database of their own."""
    scratch = duckdb.connect(":memory:")
    try:
        scratch.execute(schema)
        return dict(scratch.execute(sql("db/columns"), ["memory"]).fetchall())
    finally:
        scratch.close()


def _check_tables(con: duckdb.DuckDBPyConnection, path: str | Path, schema: str,
                  want: dict[str, list[str]] | None = None) -> list[Log]:
    """Refuse a database whose tables are not the ones schema.sql makes (one made by an earlier
    version of auditor): CREATE TABLE IF NOT EXISTS keeps them as they were, and every query
    would fail on the first column that changed. The expected tables are made in an attached
    in-memory database (10 ms; a second connection took 37), unless given (a read-only
    connection can attach nothing).

    The one difference taken: a log table made before its last column, _id_hash, which only the
    loader reads. The logs that lack it are returned, for a writable connection to add it; a
    read-only one reads them as they are."""
    database = con.execute(sql("db/current_database")).fetchone()[0]
    if want is None:
        con.execute("ATTACH ':memory:' AS _expected")
        try:
            con.execute("USE _expected")
            con.execute(schema)
            want = dict(con.execute(sql("db/columns"), ["_expected"]).fetchall())
        finally:
            con.execute("USE " + identifier(database))
            con.execute("DETACH _expected")
    have = dict(con.execute(sql("db/columns"), [database]).fetchall())
    unhashed = []
    for table, columns in want.items():
        if table in TABLES and have.get(table) == columns[:-1] and columns[-1] == "_id_hash UBIGINT":
            unhashed.append(TABLES[table])
        elif have.get(table) != columns:
            missing = [c.split(" ")[0] for c in columns if c not in have.get(table, [])]
            con.close()
            raise AuditorError(
                f"{path}: made by another version of auditor (table {table}"
                + (f": {', '.join(missing)} missing or of another type" if missing else ": other columns")
                + "); load the logs into a new database (--db), or use the version that made it"
            )
    return unhashed


@contextmanager
def checkpoint_behind(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """While the caller works (a report's PDF renders), write what the connection changed (a
    stored run) into the database file: the wait on the disk that close would add, 0.4 s of a
    report, overlaps the work. On a database opened read-only, DuckDB's checkpoint does nothing."""
    cursor, failed = con.cursor(), []

    def write() -> None:
        try:
            cursor.execute("CHECKPOINT")
        except duckdb.Error as exc:  # raised below, in the caller's thread
            failed.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        yield
    finally:
        writer.join()
        cursor.close()
    if failed:
        raise failed[0]


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
