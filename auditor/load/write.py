"""Step 3, keep: write a staged file (validate, mark duplicates, insert, quarantine, count)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone

import duckdb

from auditor.config import Config
from auditor.db import run
from auditor.errors import AuditorError
from auditor.load.checks import check_sql, error_struct, same_row, trimmed_sql
from auditor.load.lines import (CUT_LAST_RECORD, blank_lines, correct_reject_lines, fix_lines, refuse_lost_lines,
                                refuse_truncated, stray_cr_line)
from auditor.load.scratch import Scratch
from auditor.load.stage import STAGERS
from auditor.load.types import FileResult, SourceFile, Staged
from auditor.load.versions import record_access
from auditor.resources import sql
from auditor.schema import Log


def _number_records(con: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Number the records of `_checked` in file order (by row id, as in queries/load/jsonl_stage.sql):
    10M rows in 0.4 s."""
    con.execute(sql("load/number_records"), {"header_lines": staged.header_lines})


def shared_ids_of_checked(con: duckdb.DuckDBPyConnection, log: Log) -> None:
    """`_shared_ids` of a file checked into `_checked`: the ids of its new rows that another of
    them or a loaded row has, hashed (a file written once has them from its staged rows)."""
    con.execute(sql("load/shared_ids").format(id=log.key_sql, table=log.name,
                                              relation="(SELECT * FROM _checked WHERE _fate = 'new')"))


def mark_duplicates(con: duckdb.DuckDBPyConnection, log: Log) -> None:
    """Mark as 'duplicate' each new row equal to an earlier row of the file or to a loaded row.

    The candidates are the rows of an id in `_shared_ids` (a duplicate has its original's id);
    equality of every canonical column decides, so a hash collision can never drop a distinct
    row.
    """
    con.execute(sql("load/mark_duplicates").format(table=log.name, key=log.key_sql,
                                                   same_earlier=same_row("o", "c", log),
                                                   same_loaded=same_row("t", "c", log)))
    if log.unique_id:
        _reject_second_entries(con, log)


def _reject_second_entries(con: duckdb.DuckDBPyConnection, log: Log) -> None:
    """In a log that names each id once (the directory), reject every valid row whose id is
    already taken, by a loaded row or by the first valid row of this file, unless it is an exact
    duplicate of that row.

    The row it is compared with is the one loaded (or to be loaded), never a rejected one: a
    row identical to a rejected row is not a duplicate of a loaded one, so it is judged on its
    own and rejected again. (`mark_duplicates` may have matched it with such a row.)
    """
    key = log.id_column
    error = error_struct(key, "duplicate_user", f"'{key} \"' || \"{key}\" || '\" is already in the directory with other content'")
    con.execute(sql("load/reject_second_entries").format(
        error=error, key=log.key_sql, table=log.name, same_loaded=same_row("t", "c", log), same_first=same_row("f", "c", log)))


# ---------------------------------------------------------------------------------------------
# The step every file goes through.


def write_file(
    scratch: Scratch,
    src: SourceFile,
    config: Config,
    sha: str,
    size: int,
    lines: int | None = None,
    stager: Callable[[duckdb.DuckDBPyConnection, SourceFile], Staged] | None = None,
    label: str | None = None,
) -> FileResult:
    """Write one staged file: stage it, validate its rows, mark duplicates, insert the new rows
    into the log's table, quarantine the rejected ones in rejected_rows, count each fate (its
    row in loaded_files). The one lower step of every load: the canonical files' (`stager`
    None: by format) and the real exports' (auditor.adapters: `stager` gives their mapped rows,
    `label` the format recorded in loaded_files)."""
    con = scratch.con
    log = src.log
    scratch.new_file()
    file_id = None
    malformed = 0
    try:
        staged = (stager or STAGERS[src.format])(con, src)
        params = {**staged.params, "naive_tz": config.time.naive_timezone or None}
        if _writes_once(log, staged):
            file_id = _record_file(con, src, size, sha, label)
            counts = _write_once(con, src, staged, {**params, "file_id": file_id, "log": log.name, "file": src.name})
        else:
            run(con, sql("load/checked").format(check=check_sql(log, staged)), params)
            if not staged.numbered:
                _number_records(con, staged)
            shared_ids_of_checked(con, log)
            mark_duplicates(con, log)
            con.execute(sql("load/blanks"))
            blanks = blank_lines(con, staged, src.path, lines) if staged.text_columns else 0
            if src.format == "jsonl" and stager is None:
                refuse_lost_lines(con, src.path, lines)
            if staged.structural:
                correct_reject_lines(con, src.path)
            fix_lines(con, staged, blanks)
            if staged.source_lines:
                con.execute(sql("load/source_lines"))
            if stager is None and src.format in CUT_LAST_RECORD:
                refuse_truncated(con, src)
    except duckdb.InterruptException:
        raise
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        stray = stray_cr_line(src.path) if src.format == "csv" and "state machine" in first else None
        if stray is not None:
            raise AuditorError(f"{src.path}: line {stray}: a carriage return (CR) inside an unquoted value; quote the "
                               "value or remove the CR") from None
        raise AuditorError(f"{src.path}: cannot read as {src.format}: {first}") from None

    if file_id is None:
        file_id = _record_file(con, src, size, sha, label)
        counts, malformed = _keep_checked(con, src, staged, {"file_id": file_id, "log": log.name, "file": src.name})
    record_access(con, log, file_id)
    result = FileResult(
        log=log.name,
        file=src.name,
        rows_read=sum(counts.values()) + malformed,
        rows_loaded=counts.get("new", 0),
        rows_rejected=counts.get("rejected", 0) + malformed,
        duplicates=counts.get("duplicate", 0),
        file_id=file_id,
    )
    con.execute(
        sql("load/file_counts"),
        [result.rows_read, result.rows_loaded, result.rows_rejected, result.duplicates, file_id],
    )
    return result


def _record_file(con: duckdb.DuckDBPyConnection, src: SourceFile, size: int, sha: str, label: str | None) -> int:
    """The file's row in loaded_files (its counts are set once known); its file_id."""
    return con.execute(
        sql("load/record_file"),
        [src.log.name, str(src.path.resolve()), label or src.format, size, sha, datetime.now(timezone.utc)],
    ).fetchone()[0]


def _keep_checked(con: duckdb.DuckDBPyConnection, src: SourceFile, staged: Staged,
                  meta: dict[str, object]) -> tuple[dict[str, int], int]:
    """Keep the rows of `_checked`: rejected ones (and the reader's malformed records) to
    rejected_rows, new ones to the log's table. The count of each fate, and of malformed records."""
    run(con, sql("load/quarantine"), meta)
    malformed = 0
    if staged.structural:
        rule = "bad_json" if src.format == "jsonl" else "malformed_record"
        run(con, sql("load/quarantine_malformed"), {**meta, "rule": rule})
        malformed = con.execute(sql("load/malformed_count")).fetchone()[0]
    log = src.log
    run(con, sql("load/keep_new").format(table=log.name, columns=_columns(log), key=log.key_sql), meta)
    return dict(con.execute(sql("load/fates")).fetchall()), malformed


def _columns(log: Log) -> str:
    """The log's canonical columns, quoted, as a column list."""
    return ", ".join(f'"{c}"' for c in log.column_names)


def _writes_once(log: Log, staged: Staged) -> bool:
    """Whether the file's rows can go straight into the log's table as they are checked: rows the
    reader numbers (Parquet), with no reader rejects, no lines to correct afterwards, no
    directory rule that needs every row's raw text (users), and an id whose trimmed text is its
    stored value (queries/load/shared_ids.sql hashes the text)."""
    return (staged.numbered and not staged.structural and not staged.source_lines and not log.unique_id
            and log.key.kind == "id")


def _write_once(con: duckdb.DuckDBPyConnection, src: SourceFile, staged: Staged, meta: dict[str, object]) -> dict[str, int]:
    """Write the file's rows into the log's table in the statement that checks them, so the
    file is written once and never held whole in memory (a `_checked` copy of 10M rows took
    2.5 GB); the count of each fate.

    That statement writes only the rows that are surely new: valid, with an id that no other row
    of the file has and no loaded row has (an exact duplicate has its original's id; another
    version of a loaded id is left out too, and mark_duplicates tells the two apart). It must
    not write a row that is deleted after: one row deleted from the rows a transaction added
    makes DuckDB write all of them again at the commit. The rows it leaves
    out, found by their row numbers alone, are few: they are checked again by themselves into
    `_checked` and go through the steps of every other file.
    """
    log = src.log
    key = log.key
    run(con, sql("load/shared_ids").format(id=trimmed_sql(key, staged.sources[key.name]), relation=staged.relation,
                                           table=log.name), meta)
    written = run(con, sql("load/write_once").format(
        table=log.name, columns=_columns(log), check=check_sql(log, staged), key=log.key_sql), meta).fetchone()[0]
    run(con, sql("load/left_out").format(table=log.name, relation=staged.relation, row=staged.row_key),
        {**meta, "header_lines": staged.header_lines})
    # The few left-out rows are checked row by row: a lookup would read the file once more per column.
    rest = replace(staged, relation=sql("load/left_out_rows").format(relation=staged.relation, row=staged.row_key),
                   lookups=frozenset())
    run(con, sql("load/checked").format(check=check_sql(log, rest)), meta)
    mark_duplicates(con, log)
    counts, _ = _keep_checked(con, src, rest, meta)
    return {**counts, "new": counts.get("new", 0) + written}
