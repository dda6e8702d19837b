"""Load the five logs into the audit database: validate, normalise to UTC, quarantine, dedupe.

The orchestrator of a load; its steps are the package auditor.load, by job: discovery (files),
staging (stage), the validation SQL generated from the schema (checks), CSV and JSON Lines line
numbering and repair (lines), and writing (write: `write_file`, the one lower step that both
the canonical files and the real exports of auditor.adapters go through). Their temporary
tables have one owner (scratch.Scratch). Each file goes through the same three steps, all in
DuckDB SQL:

1. stage: name the file's records as text (one VARCHAR column per source column, named c0,
   c1, ... so no header text from a file ever becomes SQL), numbered by line or row: a CSV or
   Parquet file is read by the check itself, JSON Lines are parsed into `_stage` first;
2. check: normalise every canonical column into `_checked`, with the row's fate: rejected,
   duplicate, or new; the rules a row breaks, and its raw text, only for rejected rows;
3. keep: new rows go to the log's table, rejected ones to `rejected_rows` with their raw text;
   an access event id the file repeats, or that a row loaded before has too, goes to
   `access_versions` (versions).

A canonical Parquet file (not the directory's) is written once instead: the check's statement
inserts its surely new rows straight into the log's table, and only the rows it leaves out go
through `_checked` (write._write_once): a 10M-row file is never held whole in memory.

For every file, rows read = rows loaded + rows rejected + exact duplicates skipped. A file
whose SHA-256 is already in `loaded_files` is not read again. A whole load runs in one
transaction: a file-level error (missing column, unreadable file, a file cut off in its last
record) leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from auditor import adapters
from auditor.config import Config
from auditor.errors import AuditorError
from auditor.load.files import already_loaded, discover, held_logs, identity, refuse_changed, refuse_links, sha256_of
from auditor.load.scratch import Scratch
from auditor.load.types import FileResult, SourceFile
from auditor.load.write import write_file

__all__ = ["FileResult", "LoadResult", "SourceFile", "held_logs", "load"]


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Undo the load; a COMMIT that failed (a full disk) has already ended the transaction, and
    the error that ended it is the one to report, not this one."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _no_vacuum(con: duckdb.DuckDBPyConnection) -> bool:
    """Turn off the checkpoint's vacuum for the load; whether this DuckDB could (1.1.1 on).

    A table that ends in a partly filled row group (every table a load appends to) would have it
    merged at the checkpoint with the row groups appended after it, every appended row
    compressed again: 0.7 CPU-s for a month appended to 11 months of 10M events, nothing into an
    empty database. A load only appends, so that vacuum has nothing else to reclaim; each load
    leaves one partly filled row group.
    """
    try:
        con.execute("SET max_vacuum_tasks = 0")
    except duckdb.CatalogException:
        return False
    return True


@dataclass
class LoadResult:
    """The outcome of one `auditor load`: a result per file and the optional logs absent.

    `exports`: what each real export held (auditor.adapters.ExportResult); `ignored`: files in
    INPUT that are neither a canonical log nor a recognised export.
    """

    files: list[FileResult]
    absent: list[str]
    exports: list = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    roles_changed: int = 0  # admin events of earlier loads whose actor role the role records loaded now changed
    twins: int = 0  # records loaded now that are the same change as a record of the other format (one row)
    overlaps: int = 0  # records loaded now that look like one in the other format, with no shared id (two rows)


def load(
    con: duckdb.DuckDBPyConnection,
    input_dir: Path,
    config: Config,
    on_file: Callable[[SourceFile, int, int], None] | None = None,
    fmt: str = "auto",
) -> LoadResult:
    """Load every log file under `input_dir` in one transaction; see the module docstring.

    Real exports (auditor.adapters) in the folder, or `input_dir` itself when it is one, are
    recognised by content (or read as `fmt`) and loaded after the canonical files.
    `on_file(src, bytes_done, bytes_total)` is called before each file is read (for progress).
    """
    if input_dir.is_dir():
        refuse_links(input_dir)
    exports, ignored = adapters.find_exports(input_dir, fmt)
    if input_dir.is_file() and exports:
        sources, absent = [], []
    else:
        sources, absent = discover(input_dir, adapters.logs_provided(exports), {e.path for e in exports}, held_logs(con))
    total = sum(src.path.stat().st_size for src in sources) + sum(e.path.stat().st_size for e in exports)
    done = 0
    results = []
    reading: list[Path] = []  # the file being read, to name it in an error raised without its name

    def at_file(src: SourceFile, done: int, total: int) -> None:
        reading[:] = [src.path]
        if on_file:
            on_file(src, done, total)

    scratch = Scratch(con)
    vacuum_off = _no_vacuum(con)
    con.execute("BEGIN TRANSACTION")
    try:
        try:
            for src in sources:
                # A CSV's or JSONL's lines are counted with its hash (to account for every line),
                # unless it is gzip.
                before = identity(src.path)
                sha, size, lines = sha256_of(src.path, count_lines=src.format in ("csv", "jsonl")
                                             and not src.path.name.lower().endswith(".gz"))
                at_file(src, done, total)
                done += size
                if already_loaded(con, sha):
                    results.append(FileResult(log=src.log.name, file=src.name, skipped=True))
                    continue
                results.append(write_file(scratch, src, config, sha, size, lines))
                refuse_changed(src.path, before, size)
            export_results, roles_changed, twins, overlaps = adapters.load_exports(
                scratch, exports, config, results, at_file, done, total)
        except RecursionError:
            # Python's JSON parser recurses once per level: a document nested thousands deep.
            where = reading[0] if reading else input_dir
            raise AuditorError(f"{where}: nested too deeply to read (thousands of levels of arrays or objects); "
                               "not an export auditor reads") from None
        scratch.drop_all()
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        if vacuum_off:
            con.execute("RESET max_vacuum_tasks")
        raise
    if vacuum_off:
        con.execute("CHECKPOINT")  # now, while vacuum is off (else when the database is closed)
        con.execute("RESET max_vacuum_tasks")
    return LoadResult(results, absent, export_results, ignored, roles_changed, twins, overlaps)
