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
from auditor.load.stage import STAGERS, row_number_sql
from auditor.load.types import FileResult, SourceFile, Staged
from auditor.schema import Log

def _number_records(con: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Number the records of `_checked` in file order (see row_number_sql): 10M rows in 0.4 s."""
    con.execute(f"UPDATE _checked SET _ord = {row_number_sql('_checked')}, _line = {row_number_sql('_checked')} + {staged.header_lines}")


def mark_duplicates(con: duckdb.DuckDBPyConnection, log: Log) -> None:
    """Mark as 'duplicate' each new row equal to an earlier row of the file or to a loaded row.

    The 64-bit content hash only finds candidates (rows sharing a hash); equality of every
    canonical column decides, so a hash collision can never drop a distinct row.
    """
    # The shared hashes go to a table of their own first (a few rows): found through it, the
    # candidates cost a look-up, where a join with the aggregate read every column of every row.
    con.execute(f"""
CREATE TEMP TABLE _shared_hashes AS
SELECT _hash FROM _checked WHERE _fate = 'new' GROUP BY _hash HAVING count(*) > 1
UNION SELECT _hash FROM {log.name} WHERE _hash IN (SELECT _hash FROM _checked WHERE _fate = 'new')""")
    con.execute(f"""
UPDATE _checked SET _fate = 'duplicate' WHERE _ord IN (
  WITH candidates AS (
    SELECT * FROM _checked c WHERE c._fate = 'new' AND c._hash IN (SELECT _hash FROM _shared_hashes))
  SELECT c._ord FROM candidates c
  WHERE EXISTS (SELECT 1 FROM candidates o WHERE o._hash = c._hash AND o._ord < c._ord AND {same_row('o', 'c', log)})
     OR EXISTS (SELECT 1 FROM {log.name} t WHERE t._hash = c._hash AND {same_row('t', 'c', log)}))""")
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
    con.execute(f"""
UPDATE _checked SET _fate = 'rejected', _errors = [{error}]
WHERE _ord IN (
  WITH valid AS (SELECT * FROM _checked WHERE _fate IN ('new', 'duplicate')),
  first AS (SELECT * FROM valid v WHERE _ord = (SELECT min(o._ord) FROM valid o WHERE o."{key}" = v."{key}")
                                    AND "{key}" NOT IN (SELECT "{key}" FROM {log.name}))
  SELECT c._ord FROM valid c
  WHERE ("{key}" IN (SELECT "{key}" FROM {log.name})
         AND NOT EXISTS (SELECT 1 FROM {log.name} t WHERE t."{key}" = c."{key}" AND t._hash = c._hash AND {same_row('t', 'c', log)}))
     OR EXISTS (SELECT 1 FROM first f WHERE f."{key}" = c."{key}" AND f._ord < c._ord
                AND NOT (f._hash = c._hash AND {same_row('f', 'c', log)})))""")


# ---------------------------------------------------------------------------------------------
# Step 3: keep.

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
            run(con, f"CREATE TEMP TABLE _checked AS {check_sql(log, staged)}", params)
            if not staged.numbered:
                _number_records(con, staged)
            mark_duplicates(con, log)
            con.execute("CREATE TEMP TABLE _blanks (line BIGINT, span BIGINT)")
            blanks = blank_lines(con, staged, src.path, lines) if staged.text_columns else 0
            if src.format == "jsonl" and stager is None:
                refuse_lost_lines(con, src.path, lines)
            if staged.structural:
                correct_reject_lines(con, src.path)
            fix_lines(con, staged, blanks)
            if staged.source_lines:
                con.execute("UPDATE _checked SET _line = _stage._src_line FROM _stage WHERE _stage._ord = _checked._ord")
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
        "UPDATE loaded_files SET rows_read = ?, rows_loaded = ?, rows_rejected = ?, duplicates = ? WHERE file_id = ?",
        [result.rows_read, result.rows_loaded, result.rows_rejected, result.duplicates, file_id],
    )
    return result


def _record_file(con: duckdb.DuckDBPyConnection, src: SourceFile, size: int, sha: str, label: str | None) -> int:
    """The file's row in loaded_files (its counts are set once known); its file_id."""
    return con.execute(
        "INSERT INTO loaded_files (log, path, format, size_bytes, sha256, rows_read, rows_loaded, rows_rejected,"
        " duplicates, loaded_at) VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, ?) RETURNING file_id",
        [src.log.name, str(src.path.resolve()), label or src.format, size, sha, datetime.now(timezone.utc)],
    ).fetchone()[0]


def _keep_checked(con: duckdb.DuckDBPyConnection, src: SourceFile, staged: Staged,
                  meta: dict[str, object]) -> tuple[dict[str, int], int]:
    """Keep the rows of `_checked`: rejected ones (and the reader's malformed records) to
    rejected_rows, new ones to the log's table. The count of each fate, and of malformed records."""
    run(
        con,
        """INSERT INTO rejected_rows
        SELECT $file_id, $log, $file, c._line, c._errors[1].column, c._errors[1].rule,
               array_to_string(list_transform(c._errors, lambda e: e.message), '; '), c._raw
        FROM _checked c WHERE c._fate = 'rejected'""",
        meta,
    )
    malformed = 0
    if staged.structural:
        rule = "bad_json" if src.format == "jsonl" else "malformed_record"
        run(
            con,
            f"""INSERT INTO rejected_rows
            SELECT $file_id, $log, $file, line, arg_min(column_name, column_idx), '{rule}',
                   string_agg(error_message, '; ' ORDER BY column_idx), any_value(csv_line)
            FROM _rejects GROUP BY line""",
            meta,
        )
        malformed = con.execute("SELECT count(DISTINCT line) FROM _rejects").fetchone()[0]
    log = src.log
    columns = ", ".join(f'"{c}"' for c in log.column_names)
    run(con, f"INSERT INTO {log.name} ({columns}, _file_id, _line, _hash, _extra) "
             f"SELECT {columns}, $file_id, _line, _hash, _extra FROM _checked WHERE _fate = 'new'", meta)
    return dict(con.execute("SELECT _fate, count(*) FROM _checked GROUP BY _fate").fetchall()), malformed


def _writes_once(log: Log, staged: Staged) -> bool:
    """Whether the file's rows can go straight into the log's table as they are checked: rows the
    reader numbers (Parquet), with no reader rejects, no lines to correct afterwards, and no
    directory rule that needs every row's raw text (users)."""
    return staged.numbered and not staged.structural and not staged.source_lines and not log.unique_id


def _write_once(con: duckdb.DuckDBPyConnection, src: SourceFile, staged: Staged, meta: dict[str, object]) -> dict[str, int]:
    """Write the file's rows into the log's table in the statement that checks them, so the
    file is written once and never held whole in memory (a `_checked` copy of 10M rows took
    2.5 GB); the count of each fate.

    That statement writes only the rows that are surely new: valid, with an id no other row of
    the file has (an exact duplicate has its original's id) and a content hash no loaded row
    has. It must not write a row that is deleted after: one row deleted from the rows a
    transaction added makes DuckDB write all of them again at the commit. The rows it leaves
    out, found by their row numbers alone, are few: they are checked again by themselves into
    `_checked` and go through the steps of every other file.
    """
    log = src.log
    key = next(c for c in log.columns if c.name == log.id_column)
    run(con, f"""CREATE TEMP TABLE _shared_ids AS SELECT hash({trimmed_sql(key, staged.sources[key.name])}) AS h
        FROM {staged.relation} GROUP BY h HAVING count(*) > 1""", meta)
    columns = ", ".join(f'"{c}"' for c in log.column_names)
    written = run(con, f"""INSERT INTO {log.name} ({columns}, _file_id, _line, _hash, _extra)
        SELECT {columns}, $file_id, _line, _hash, _extra FROM ({check_sql(log, staged)})
        WHERE _fate = 'new' AND hash("{key.name}") NOT IN (SELECT h FROM _shared_ids)
          AND _hash NOT IN (SELECT _hash FROM {log.name})""", meta).fetchone()[0]
    run(con, f"""CREATE TEMP TABLE _left_out AS SELECT _ord FROM {staged.relation}
        WHERE _ord + {staged.header_lines} NOT IN (SELECT _line FROM {log.name} WHERE _file_id = $file_id)""", meta)
    rest = replace(staged, relation=f"(SELECT * FROM {staged.relation} WHERE _ord IN (SELECT _ord FROM _left_out))")
    run(con, f"CREATE TEMP TABLE _checked AS {check_sql(log, rest)}", meta)
    mark_duplicates(con, log)
    counts, _ = _keep_checked(con, src, rest, meta)
    return {**counts, "new": counts.get("new", 0) + written}


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Undo the load; a COMMIT that failed (a full disk) has already ended the transaction, and
    the error that ended it is the one to report, not this one."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass
