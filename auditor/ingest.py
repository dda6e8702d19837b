"""Load the five logs into the audit database: validate, normalise to UTC, quarantine, dedupe.

Each file goes through the same three steps, all in DuckDB SQL:

1. stage: name the file's records as text (one VARCHAR column per source column, named c0,
   c1, ... so no header text from a file ever becomes SQL), numbered by line or row: a CSV or
   Parquet file is read by the check itself, JSON Lines are parsed into `_stage` first;
2. check: normalise every canonical column into `_checked`, with the row's fate: rejected,
   duplicate, or new; the rules a row breaks, and its raw text, only for rejected rows;
3. keep: new rows go to the log's table, rejected ones to `rejected_rows` with their raw text.

A canonical Parquet file (not the directory's) is written once instead: the check's statement
inserts its surely new rows straight into the log's table, and only the rows it leaves out go
through `_checked` (_write_once): a 10M-row file is never held whole in memory.

For every file, rows read = rows loaded + rows rejected + exact duplicates skipped. A file
whose SHA-256 is already in `loaded_files` is not read again. A whole load runs in one
transaction: a file-level error (missing column, unreadable file, a file cut off in its last
record) leaves the database as it was.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

import duckdb

from auditor.config import Config
from auditor.db import run
from auditor.errors import AuditorError
from auditor.schema import LOGS, Column, Log

EXTENSIONS = {".csv": "csv", ".csv.gz": "csv", ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".parquet": "parquet"}

# ISO 8601 with a time of day and an explicit offset (Z, +HH:MM, +HHMM or +HH), and without one.
TS_WITH_OFFSET = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)"
TS_NAIVE = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?"
WHITESPACE = "' ' || chr(9) || chr(10) || chr(13)"
JSONL_DELIMITER = "\x1f"  # never raw inside valid JSON, so a JSONL line is always one field


@dataclass(frozen=True)
class SourceFile:
    """One input file and the log it holds."""

    log: Log
    path: Path
    format: str

    @property
    def name(self) -> str:
        return self.path.name if self.path.parent.name != self.log.name else f"{self.log.name}/{self.path.name}"


@dataclass
class FileResult:
    """What loading one file did. `skipped` is true when the same bytes were loaded before."""

    log: str
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    duplicates: int = 0
    skipped: bool = False
    file_id: int | None = None  # its row in loaded_files (None when skipped)


def _format_of(path: Path) -> str | None:
    name = path.name.lower()
    for ext, fmt in EXTENSIONS.items():
        if name.endswith(ext):
            return fmt
    return None


def discover(
    input_dir: Path,
    provided: set[str] | frozenset[str] = frozenset(),
    exports: set[Path] | frozenset[Path] = frozenset(),
    held: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[SourceFile], list[str]]:
    """The input files of each log in `input_dir`, and the names of the optional logs absent.

    `provided`: logs that real exports in the folder feed, so they are neither missing nor absent;
    `exports`: the real-export files (auditor.adapters), which a log's folder may also hold;
    `held`: logs the database already holds (a file of each was loaded before). The required logs
    are required of the database, not of each load: a month's exports alone may be loaded into a
    database that has them, and a log it holds is not absent.
    """
    if not input_dir.exists():
        raise AuditorError(f"{input_dir}: no such folder")
    if not input_dir.is_dir():
        raise AuditorError(f"{input_dir}: not a folder (give the folder that holds the logs)")
    found: list[SourceFile] = []
    absent: list[str] = []
    for log in LOGS:
        files = [input_dir / f"{log.name}{ext}" for ext in EXTENSIONS]
        files = [f for f in files if f.is_file()]
        folder = input_dir / log.name
        if folder.is_dir():
            for f in sorted(folder.iterdir()):
                if f.name.startswith(".") or not f.is_file() or f in exports:
                    continue
                if _format_of(f) is None:
                    raise AuditorError(f"{f}: unsupported file type (expected {', '.join(EXTENSIONS)})")
                files.append(f)
        if not files:
            if log.name in provided or log.name in held:
                continue
            if log.required:
                raise AuditorError(
                    f"{input_dir}: no {log.name} log (expected {log.name}.csv, .csv.gz, .jsonl, .jsonl.gz, "
                    f".parquet or a folder {log.name}/)"
                )
            absent.append(log.name)
        found.extend(SourceFile(log, f, _format_of(f) or "") for f in files)
    return found, absent


def sha256_of(path: Path, count_lines: bool = False) -> tuple[str, int, int | None]:
    """SHA-256 hex digest, size in bytes and, when asked, physical lines of a file, read in chunks.

    Counting lines in the same pass costs 0.4 s per GB (a second read would cost more); a CSV
    load uses the count to find blank lines (_blank_lines).
    """
    digest = hashlib.sha256()
    size = newlines = 0
    last = b"\n"
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
                if count_lines:
                    newlines += chunk.count(b"\n")
                    last = chunk[-1:]
    except OSError as exc:
        raise AuditorError(f"{path}: cannot read: {exc.strerror}") from None
    return digest.hexdigest(), size, newlines + (last != b"\n") if count_lines else None


def held_logs(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The logs of which the database holds a loaded file (a real export counts for the logs it feeds)."""
    return {log for (log,) in con.execute("SELECT DISTINCT log FROM loaded_files").fetchall()}


def _identity(path: Path) -> tuple[int, int, int, int]:
    """What changes when a file is written to: device, inode, size, modification time."""
    st = path.stat()
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _refuse_changed(path: Path, before: tuple[int, int, int, int], hashed: int) -> None:
    """Refuse a file written to while it was hashed or read: the rows the reader loaded would not
    be the bytes whose size and SHA-256 loaded_files records (a log still being exported)."""
    if _identity(path) != before or hashed != before[2]:
        raise AuditorError(f"{path}: changed while it was read (its size or modification time differs from before): "
                           "load it once it is complete")


def refuse_links(input_dir: Path) -> None:
    """Refuse a symbolic link among the files and folders a load reads (INPUT's entries and
    those of its folders) that leads out of INPUT or to a folder: `users -> .` would load
    every log as the directory, and a link out reads files nobody gave. A link to a file
    inside INPUT is read like that file."""
    root = input_dir.resolve()
    for entry in _entries_read(input_dir):
        if not entry.is_symlink():
            continue
        target = entry.resolve()
        if target.is_dir() or not target.is_relative_to(root):
            where = "a folder" if target.is_dir() else "outside the input folder"
            raise AuditorError(f"{entry}: a symbolic link to {target}, {where}; a load follows no link out of the input "
                               "folder or to a folder: give the files themselves")


def _entries_read(input_dir: Path) -> Iterator[Path]:
    """INPUT's entries and those of its folders (not hidden: discovery skips those)."""
    for entry in sorted(input_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        yield entry
        if entry.is_dir() and not entry.is_symlink():
            yield from (e for e in sorted(entry.iterdir()) if not e.name.startswith("."))


def already_loaded(con: duckdb.DuckDBPyConnection, sha: str) -> bool:
    """Whether a file with these bytes was loaded before (loading it again changes nothing)."""
    return con.execute("SELECT 1 FROM loaded_files WHERE sha256 = ?", [sha]).fetchone() is not None


# ---------------------------------------------------------------------------------------------
# Step 1: stage. Each reader leaves `_stage(_ord, c0, c1, ...)` (or names a relation with those
# columns) and says, for each canonical column, the SQL expression of its raw text (or list of
# texts) over it.


@dataclass
class Staged:
    sources: dict[str, str]  # canonical column -> SQL over the relation (NULL when the column is absent)
    raw_sql: str  # SQL over `_s` (a row of the relation as a struct) rebuilding the source row as text
    extra_sql: str  # SQL over the relation: JSON object of the non-canonical columns, or NULL
    params: dict[str, object]
    header_lines: int  # physical lines before the first record (CSV header: 1)
    pre_errors: str = "[]"  # SQL list of error structs found while staging (JSONL: bad JSON)
    structural: bool = False  # whether the reader's reject table may hold malformed records
    text_columns: tuple[str, ...] = ()  # CSV: the relation's columns, to count line breaks inside values
    source_lines: bool = False  # real exports: _stage._src_line is the line in the export (or NULL)
    relation: str = "_stage"  # what the check reads: _stage, or SQL reading the file itself
    numbered: bool = True  # False: the relation's _ord is NULL, and _checked is numbered after (CSV)
    typed: frozenset[str] = frozenset()  # canonical columns the reader already gives in their type (Parquet)


HEADER_BYTES = 1 << 20  # a header longer than this is no log's


def _read_header(src: SourceFile) -> list[str]:
    """The column names in a CSV file's header, from its first megabyte only.

    Decoded leniently, so a byte that is not UTF-8 further down is left to the reader, which
    quarantines its row with the line; one in the header itself is an error naming line 1.
    """
    try:
        with _open_bytes(src.path) as fh:
            head = fh.read(HEADER_BYTES)
    except (OSError, EOFError) as exc:
        raise AuditorError(f"{src.path}: cannot read the header: {exc}") from None
    text = head.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error as exc:
        raise AuditorError(f"{src.path}: line 1: cannot read the header: {exc}") from None
    if len(head) == HEADER_BYTES and "\n" not in text:
        raise AuditorError(f"{src.path}: line 1: the header is longer than {HEADER_BYTES:,} bytes: not a log's")
    if not header:
        raise AuditorError(f"{src.path}: line 1: empty file (expected a header naming the columns)")
    if any("\udc80" <= c <= "\udcff" for name in header for c in name):
        raise AuditorError(f"{src.path}: line 1: the header is not UTF-8 text")
    return [h.strip() for h in header]


# Parquet types that hold a column's value as the contract types it, by column kind. A naive
# TIMESTAMP is not among them: it is read as text, to be refused or given time.naive_timezone.
TYPED = {
    "timestamp": {"TIMESTAMP WITH TIME ZONE"},
    "integer": {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"},
}


# Logs have a dozen columns; extra ones are kept, but each costs DuckDB memory outside its
# memory_limit (10,000 columns took gigabytes), so a file with more than this is refused.
MAX_COLUMNS = 1000


def _check_columns(src: SourceFile, names: list[str]) -> None:
    if len(names) > MAX_COLUMNS:
        raise AuditorError(f"{src.path}: {len(names):,} columns, more than the {MAX_COLUMNS:,} a log may have")
    seen = set()
    for name in names:
        if name in seen:
            raise AuditorError(f"{src.path}: column {name!r} appears twice in the header")
        seen.add(name)
    for col in src.log.columns:
        if col.required and col.name not in seen:
            raise AuditorError(f"{src.path}: missing required column {col.name!r}")


def _positional(src: SourceFile, names: list[str], scalar: Callable[[str], str], is_list: Callable[[int], bool],
                is_typed: Callable[[int], bool] = lambda i: False) -> Staged:
    """Sources for readers whose columns are positional c0..cN (CSV, Parquet); a typed column's
    source is the column itself."""
    index = {name: i for i, name in enumerate(names)}
    sources = {}
    for col in src.log.columns:
        i = index.get(col.name)
        if i is None:
            sources[col.name] = "NULL"
        elif is_typed(i):
            sources[col.name] = f"c{i}"
        elif col.kind == "list":
            sources[col.name] = f"CAST(c{i} AS VARCHAR[])" if is_list(i) else f"string_split({scalar(f'c{i}')}, ';')"
        else:
            sources[col.name] = scalar(f"c{i}")
    params: dict[str, object] = {f"h{i}": n for i, n in enumerate(names)}
    raw = "json_object(" + ", ".join(f"$h{i}, _s.c{i}" for i in range(len(names))) + ")"
    extras = [i for i, n in enumerate(names) if n not in src.log.column_names]
    extra = "json_object(" + ", ".join(f"$h{i}, c{i}" for i in extras) + ")" if extras else "NULL"
    return Staged(sources, raw, extra, params, header_lines=0)


def _csv_options(path_param: str, columns: str, header: bool, delim: str, quote: str) -> str:
    return (
        f"read_csv({path_param}, auto_detect=false, header={'true' if header else 'false'}, columns={columns}, "
        f"delim={delim}, quote={quote}, escape={quote}, store_rejects=true, rejects_table='_rejects', "
        "rejects_scan='_rejects_scan', ignore_errors=true)"
    )


# The number of a record of a table filled from a file, from 1 in file order. DuckDB reads a
# file in parallel but keeps the order of its records in the table it fills
# (preserve_insertion_order, on by default), with consecutive row ids from a base that is not
# 0 inside a transaction; while row_number() OVER () would read the whole file on one thread.
def _numbered(table: str) -> str:
    return f"rowid + 1 - (SELECT min(rowid) FROM {table})"


def _stage_csv(con: duckdb.DuckDBPyConnection, src: SourceFile) -> Staged:
    names = _read_header(src)
    _check_columns(src, names)
    columns = {f"c{i}": "VARCHAR" for i in range(len(names))}
    staged = _positional(src, names, lambda c: c, lambda i: False)
    staged.header_lines = 1
    staged.structural = True
    staged.text_columns = tuple(columns)
    # Not copied into _stage: the check reads the file itself, once. A CSV reader cannot number
    # records; `_checked` keeps them in file order and is numbered after (_number_records).
    staged.relation = "(SELECT NULL::BIGINT AS _ord, * FROM " + _csv_options("$path", "$columns", True, "','", "'\"'") + ")"
    staged.params.update(path=str(src.path), columns=columns)
    staged.numbered = False
    return staged


def _stage_parquet(con: duckdb.DuckDBPyConnection, src: SourceFile) -> Staged:
    described = con.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(src.path)}).fetchall()
    names = [row[0] for row in described]
    types = [row[1] for row in described]
    _check_columns(src, names)
    aliases = ", ".join(f"c{i}" for i in range(len(names)))
    # A column the file already types as the contract's type (a lake writes timestamps as
    # TIMESTAMP WITH TIME ZONE, integers as integers) is taken as it is: no text to parse.
    of_kind = {c.name: c.kind for c in src.log.columns}
    typed = frozenset(n for n, t in zip(names, types) if TYPED.get(of_kind.get(n, "")) and t in TYPED[of_kind[n]])
    staged = _positional(src, names, lambda c: f"CAST({c} AS VARCHAR)", lambda i: types[i].endswith("[]"),
                         lambda i: names[i] in typed)
    staged.typed = typed
    # Not copied into _stage: the check reads the file itself, once.
    staged.relation = (
        f"(SELECT file_row_number + 1 AS _ord, * EXCLUDE (file_row_number) "
        f"FROM read_parquet($path, file_row_number=true) AS t({aliases}))"
    )
    staged.params["path"] = str(src.path)
    return staged


def _stage_jsonl(con: duckdb.DuckDBPyConnection, src: SourceFile) -> Staged:
    # Each line is read whole as text (a delimiter that valid JSON never holds raw, no quoting),
    # numbered before blank lines are dropped, then parsed; a line that is not a JSON object is
    # rejected as bad_json rather than failing the file.
    con.execute(
        "CREATE TEMP TABLE _read AS SELECT * FROM " + _csv_options("$path", "{'j': 'VARCHAR'}", False, "$delim", "''"),
        {"path": str(src.path), "delim": JSONL_DELIMITER},
    )
    con.execute(
        "CREATE TEMP TABLE _stage AS SELECT _ord, j, CASE WHEN json_type(jv) = 'OBJECT' THEN jv END AS o FROM ("
        "  SELECT _ord, j, CAST(CASE WHEN json_valid(j) THEN j END AS JSON) AS jv FROM ("
        f"    SELECT {_numbered('_read')} AS _ord, j FROM _read) WHERE trim(j, {WHITESPACE}) <> '')"
    )
    keys = {k for (k,) in con.execute("SELECT DISTINCT unnest(json_keys(o)) FROM _stage WHERE o IS NOT NULL").fetchall()}
    if keys:
        _check_columns(src, sorted(keys))
    sources = {}
    list_errors = []
    for col in src.log.columns:
        path = f"'$.{col.name}'"
        if col.kind == "list":
            sources[col.name] = (
                f"CASE json_type(o, {path}) WHEN 'ARRAY' THEN CAST(o -> {path} AS VARCHAR[]) "
                f"WHEN 'VARCHAR' THEN string_split(o ->> {path}, ';') END"
            )
            list_errors.append(
                f"CASE WHEN json_type(o, {path}) NOT IN ('ARRAY', 'VARCHAR', 'NULL') THEN "
                f"{_error(col.name, 'bad_list', _sql_str(col.name + ' is not a list of strings'))} END"
            )
        else:
            sources[col.name] = f"o ->> {path}"
    patch = json.dumps({c: None for c in src.log.column_names})
    bad_json = _error(None, "bad_json", "'the line is not a JSON object'")
    pre = f"list_filter([CASE WHEN o IS NULL THEN {bad_json} END, {', '.join(list_errors) or 'NULL'}], lambda x: x IS NOT NULL)"
    return Staged(
        sources,
        raw_sql="_s.j",
        extra_sql="CASE WHEN o IS NOT NULL THEN NULLIF(json_merge_patch(o, $patch), '{}') END",
        params={"patch": patch},
        header_lines=0,
        pre_errors=pre,
        structural=True,
    )


# ---------------------------------------------------------------------------------------------
# Step 2: check.


def _error(column: str | None, rule: str, message_sql: str) -> str:
    col = "NULL" if column is None else f"'{column}'"
    return f"{{'column': {col}, 'rule': '{rule}', 'message': {message_sql}}}"


def _sql_str(text: str) -> str:
    """A SQL string literal of one of our own constant texts."""
    return "'" + text.replace("'", "''") + "'"


def _literal_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(_sql_str(v) for v in values) + ")"


def _column_sql(col: Column, typed: bool = False) -> tuple[str, list[tuple[str, str]]]:
    """(SQL of the normalised value from the trimmed text, the column's checks) of one column.

    A check is (SQL condition that the row breaks a rule, SQL of the error struct). The value
    is computed once, from `"_t_<name>"` (the trimmed text); the checks compare that text with
    the value `"<name>"`, so no parse is done twice. Only names and values from the schema (our
    own constants) are written into this SQL. A typed column (Staged.typed) is its value as
    read: only its presence and, for an integer, its sign are checked.
    """
    t, n = f'"_t_{col.name}"', f'"{col.name}"'
    shown = f"'{col.name}: \"' || CAST({t} AS VARCHAR) || '\" '"
    checks = []
    if col.required:
        checks.append((f"{t} IS NULL", _error(col.name, "missing_value", _sql_str(col.name + " is empty"))))
    if col.required_when:
        other, values = col.required_when
        checks.append((
            f'{t} IS NULL AND "{other}" IN {_literal_list(values)}',
            _error(col.name, "missing_value", _sql_str(col.name + " is empty but required for this " + other)),
        ))
    if typed and col.kind == "timestamp":
        value = t
    elif col.kind in ("id", "string", "list"):
        value = t if col.kind != "list" else f"CASE WHEN len({t}) > 0 THEN {t} END"
    elif col.kind in ("label", "enum"):
        value = f"lower({t})"
        if col.kind == "enum":
            checks.append((
                f"{t} IS NOT NULL AND {n} NOT IN {_literal_list(col.values)}",
                _error(col.name, "bad_enum", shown + " || " + _sql_str("is not one of: " + ", ".join(col.values))),
            ))
    elif col.kind == "timestamp":
        # Most timestamps have the one shape 2026-08-02T03:09:43Z: checked by LIKE and parsed by
        # strptime, which takes digits only where the format has them (a cast would also take
        # "T 3:09:4.Z"), three times cheaper than the regular expression and cast below, which
        # settle every other value.
        value = (
            f"coalesce(CASE WHEN {t} LIKE '____-__-__T__:__:__Z' AND ascii({t}) BETWEEN 48 AND 57 "
            f"THEN to_timestamp(epoch(try_strptime({t}, '%Y-%m-%dT%H:%M:%SZ'))) END, "
            f"CASE WHEN regexp_full_match({t}, '{TS_WITH_OFFSET}') THEN TRY_CAST({t} AS TIMESTAMPTZ) "
            f"WHEN CAST($naive_tz AS VARCHAR) IS NOT NULL AND regexp_full_match({t}, '{TS_NAIVE}') "
            f"THEN timezone(CAST($naive_tz AS VARCHAR), TRY_CAST({t} AS TIMESTAMP)) END)"
        )
        naive = _error(col.name, "naive_timestamp", shown + " || 'has no UTC offset (add Z or +HH:MM, or set time.naive_timezone)'")
        bad = _error(col.name, "bad_timestamp", shown + " || 'is not an ISO 8601 timestamp'")
        checks.append((
            f"{t} IS NOT NULL AND {n} IS NULL",
            (
                f"CASE WHEN regexp_full_match({t}, '{TS_NAIVE}') AND CAST($naive_tz AS VARCHAR) IS NULL "
                f"AND TRY_CAST({t} AS TIMESTAMP) IS NOT NULL THEN {naive} ELSE {bad} END"
            ),
        ))
    elif col.kind == "country":
        value = f"CASE upper({t}) WHEN 'UK' THEN 'GB' WHEN 'EL' THEN 'GR' ELSE upper({t}) END"
        # Two ASCII letters, tested without a regular expression (this runs on every row).
        letters = " AND ".join(f"ascii({n}[{k}]) BETWEEN 65 AND 90" for k in (1, 2))
        checks.append((
            f"{t} IS NOT NULL AND NOT (length({n}) = 2 AND {letters})",
            _error(col.name, "bad_country", shown + " || " + _sql_str("is not a two-letter country code")),
        ))
    elif col.kind == "integer":
        # A typed integer is refused for what its text would be refused for: a sign, a size.
        value = (f"CASE WHEN {t} >= 0 THEN TRY_CAST({t} AS BIGINT) END" if typed
                 else f"CASE WHEN regexp_full_match({t}, '[0-9]+') THEN TRY_CAST({t} AS BIGINT) END")
        checks.append((f"{t} IS NOT NULL AND {n} IS NULL", _error(col.name, "bad_integer", shown + " || " + _sql_str("is not an integer"))))
    elif col.kind == "boolean":
        value = (
            f"CASE WHEN {t} IS NULL THEN false WHEN lower({t}) IN ('true', 'yes', '1') THEN true "
            f"WHEN lower({t}) IN ('false', 'no', '0') THEN false END"
        )
        checks.append((f"{n} IS NULL", _error(col.name, "bad_boolean", shown + " || " + _sql_str("is not true/false/yes/no/1/0"))))
    else:  # pragma: no cover - the schema names only the kinds above
        raise ValueError(col.kind)
    return value, checks


# Whitespace at either end, tested on the first and last character (trim() with a character set
# is slow, and most values need no trimming at all).
_PADDED = "ascii({x}) IN (9, 10, 13, 32) OR ascii({x}[-1]) IN (9, 10, 13, 32)"


def _trimmed(col: Column, source: str) -> str:
    """SQL of the trimmed text of a column (NULL when empty); of a list, its trimmed lower-case
    items without the empty ones."""
    if col.kind == "list":
        untidy = "x IS NULL OR x = '' OR " + _PADDED.format(x="x")
        return (
            f"CASE WHEN list_bool_or(list_transform({source}, lambda x: {untidy})) "
            f"THEN list_filter(list_transform({source}, lambda x: lower(trim(x, {WHITESPACE}))), lambda x: x <> '') "
            f"ELSE list_transform({source}, lambda x: lower(x)) END"
        )
    return (
        f"CASE WHEN {_PADDED.format(x=source)} THEN NULLIF(trim({source}, {WHITESPACE}), '') "
        f"WHEN {source} <> '' THEN {source} END"
    )


def _same(a: str, b: str, log: Log) -> str:
    """SQL: rows a and b hold the same canonical values (NULLs equal)."""
    return " AND ".join(f'{a}."{c}" IS NOT DISTINCT FROM {b}."{c}"' for c in log.column_names)


def _check_sql(log: Log, staged: Staged) -> str:
    """SQL selecting the rows of `_checked`: normalised columns and fate of each row; for a new
    row its content hash, for a rejected one its errors and raw text.

    Whether a row is rejected is one boolean over all checks; the list of errors (structs with
    texts) is built only for the rows that are. The fate is 'rejected' or 'new' here;
    `_mark_duplicates` then settles which new rows are exact duplicates (and, in the
    directory, rejects a second row for a user, which is why it keeps every row's raw text).
    """
    trimmed = ",\n  ".join(
        f'{staged.sources[c.name] if c.name in staged.typed else _trimmed(c, staged.sources[c.name])} AS "_t_{c.name}"'
        for c in log.columns)
    values, checks = [], []
    for col in log.columns:
        value, column_checks = _column_sql(col, col.name in staged.typed)
        values.append(f'{value} AS "{col.name}"')
        checks.extend(column_checks)
    bad = "len(_pre) > 0 OR coalesce(" + " OR ".join(f"({cond})" for cond, _ in checks) + ", false)"
    # A row that could not be parsed (bad JSON) is reported for that alone, not for every
    # value it therefore lacks.
    errors = ", ".join(f"CASE WHEN {cond} THEN {error} END" for cond, error in checks)
    error_list = f"CASE WHEN len(_pre) > 0 THEN _pre ELSE list_filter([{errors}], lambda x: x IS NOT NULL) END"
    columns = ", ".join(f'"{c}"' for c in log.column_names)
    keep_raw = "true" if log.unique_id else "_bad"
    # CSV: the line breaks inside the record's values, which shift the lines after it (_fix_lines).
    breaks = ""
    if staged.text_columns:
        text = "concat_ws('', " + ", ".join(f"_s.{c}" for c in staged.text_columns) + ")"
        newline = " OR ".join(f"contains(_s.{c}, chr(10))" for c in staged.text_columns)
        breaks = f"CASE WHEN {newline} THEN len({text}) - len(replace({text}, chr(10), '')) ELSE 0 END AS _breaks, "
    # hash(a, b, ...) is the value hash(struct_pack(a, b, ...)) had, which earlier versions
    # stored, without building a struct per row (2 CPU-s at 10M rows).
    return f"""SELECT _ord, _ord + {staged.header_lines} AS _line, {"_breaks, " if breaks else ""}_extra, {columns},
       CASE WHEN _bad THEN 'rejected' ELSE 'new' END AS _fate,
       CASE WHEN _bad THEN {error_list} END AS _errors,
       CASE WHEN NOT _bad THEN hash({columns}) END AS _hash,
       CASE WHEN {keep_raw} THEN {staged.raw_sql} END AS _raw FROM (
  SELECT *, {bad} AS _bad FROM (
    SELECT *, {", ".join(values)} FROM (
      SELECT _ord, _s, {breaks}{staged.extra_sql} AS _extra, {staged.pre_errors} AS _pre,
  {trimmed}
      FROM {staged.relation} AS _s)))"""


def _number_records(con: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Number the records of `_checked` in file order (see _numbered): 10M rows in 0.4 s."""
    con.execute(f"UPDATE _checked SET _ord = {_numbered('_checked')}, _line = {_numbered('_checked')} + {staged.header_lines}")


def _mark_duplicates(con: duckdb.DuckDBPyConnection, log: Log) -> None:
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
  WHERE EXISTS (SELECT 1 FROM candidates o WHERE o._hash = c._hash AND o._ord < c._ord AND {_same('o', 'c', log)})
     OR EXISTS (SELECT 1 FROM {log.name} t WHERE t._hash = c._hash AND {_same('t', 'c', log)}))""")
    if log.unique_id:
        _reject_second_entries(con, log)


def _reject_second_entries(con: duckdb.DuckDBPyConnection, log: Log) -> None:
    """In a log that names each id once (the directory), reject every valid row whose id is
    already taken, by a loaded row or by the first valid row of this file, unless it is an exact
    duplicate of that row.

    The row it is compared with is the one loaded (or to be loaded), never a rejected one: a
    row identical to a rejected row is not a duplicate of a loaded one, so it is judged on its
    own and rejected again. (`_mark_duplicates` may have matched it with such a row.)
    """
    key = log.id_column
    error = _error(key, "duplicate_user", f"'{key} \"' || \"{key}\" || '\" is already in the directory with other content'")
    con.execute(f"""
UPDATE _checked SET _fate = 'rejected', _errors = [{error}]
WHERE _ord IN (
  WITH valid AS (SELECT * FROM _checked WHERE _fate IN ('new', 'duplicate')),
  first AS (SELECT * FROM valid v WHERE _ord = (SELECT min(o._ord) FROM valid o WHERE o."{key}" = v."{key}")
                                    AND "{key}" NOT IN (SELECT "{key}" FROM {log.name}))
  SELECT c._ord FROM valid c
  WHERE ("{key}" IN (SELECT "{key}" FROM {log.name})
         AND NOT EXISTS (SELECT 1 FROM {log.name} t WHERE t."{key}" = c."{key}" AND t._hash = c._hash AND {_same('t', 'c', log)}))
     OR EXISTS (SELECT 1 FROM first f WHERE f."{key}" = c."{key}" AND f._ord < c._ord
                AND NOT (f._hash = c._hash AND {_same('f', 'c', log)})))""")


def _open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip."""
    return (gzip.open if path.name.lower().endswith(".gz") else open)(path, "rb")  # type: ignore[operator]


def _lines_at(path: Path, offsets: list[int]) -> list[int]:
    """The 1-based line numbers of the given (sorted) byte offsets of a (decompressed) file."""
    lines: list[int] = []
    line, pos = 1, 0
    pending = iter(offsets)
    target = next(pending, None)
    with _open_bytes(path) as fh:
        while target is not None and (chunk := fh.read(1 << 20)):
            end = pos + len(chunk)
            while target is not None and target < end:
                lines.append(line + chunk.count(b"\n", 0, target - pos))
                target = next(pending, None)
            line += chunk.count(b"\n")
            pos = end
    return lines


def _physical_lines(path: Path) -> int:
    """The number of lines of a (decompressed) file, the last one with or without a line break."""
    newlines, last = 0, b"\n"
    with _open_bytes(path) as fh:
        while chunk := fh.read(1 << 20):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return newlines + (last != b"\n")


def _blank_lines(con: duckdb.DuckDBPyConnection, staged: Staged, path: Path, lines: int | None) -> int:
    """Find the lines of a CSV file that are blank outside quoted values (the reader skips them,
    so the lines after each are one further on than the records before them account for), as
    runs in `_blanks(line, span)`; return how many there are.

    The file's lines (counted with its hash) are compared with what the records account for
    (the header, a line per record, the line breaks inside values, the malformed records'
    lines); only a file with lines left over is searched. Lines that neither records nor blank
    lines account for are records the reader lost without a trace: the file is refused.
    """
    lines = _physical_lines(path) if lines is None else lines
    accounted = staged.header_lines + con.execute("""
        SELECT (SELECT count(*) + coalesce(sum(_breaks), 0) FROM _checked)
             + (SELECT coalesce(sum(1 + len(t) - len(replace(t, chr(10), ''))), 0)
                FROM (SELECT DISTINCT line, trim(csv_line, chr(10) || chr(13)) AS t FROM _rejects))""").fetchone()[0]
    if lines <= accounted:
        return 0
    for first, span in _blank_runs(path):
        con.execute("INSERT INTO _blanks SELECT unnest(?::BIGINT[]), unnest(?::BIGINT[])", [first, span])
    blank = con.execute("SELECT coalesce(sum(span), 0) FROM _blanks").fetchone()[0]
    if lines > accounted + blank:
        raise _lost_records(con, path, lines - accounted - blank)
    return blank


def _blank_runs(path: Path) -> Iterator[tuple[list[int], list[int]]]:
    """Runs of blank lines outside quoted values, a chunk of the file at a time: their first
    lines and their lengths.

    A line is blank when empty or a lone CR; it is outside quoted values when an even number of
    quotes precedes it (a quote inside a quoted value is written twice). Vectorised per chunk of
    the file, so a flood of millions of blank lines costs a few numpy operations, not a Python
    loop, and memory stays that of a chunk.
    """
    import numpy as np

    pos = newlines = quotes = quotes_at_last = 0  # chunk offset; newlines, quotes before it; quotes up to the last newline
    last_newline, last_byte = -1, -1  # absolute offset of the last newline seen; the byte before the chunk
    with _open_bytes(path) as fh:
        while chunk := fh.read(1 << 20):
            a = np.frombuffer(chunk, np.uint8)
            ends = np.flatnonzero(a == 10)
            counted = np.cumsum(a == 34)
            if len(ends):
                starts = np.concatenate(([last_newline + 1], ends[:-1] + pos + 1))
                length = ends + pos - starts
                before = np.where(ends > 0, a[np.maximum(ends - 1, 0)], last_byte)
                blank = (length == 0) | ((length == 1) & (before == 13))
                quotes_before = np.concatenate(([quotes_at_last], quotes + counted[ends[:-1]]))
                found = newlines + 1 + np.flatnonzero(blank & (quotes_before % 2 == 0))  # line numbers, from 1
                if len(found):
                    breaks = np.flatnonzero(np.diff(found) != 1) + 1
                    first = found[np.concatenate(([0], breaks))]
                    span = np.diff(np.concatenate(([0], breaks, [len(found)])))
                    yield first.tolist(), span.tolist()
                newlines += len(ends)
                last_newline = pos + int(ends[-1])
                quotes_at_last = quotes + int(counted[ends[-1]])
            quotes += int(counted[-1])
            last_byte = int(a[-1])
            pos += len(chunk)


def _stray_cr_line(path: Path) -> int | None:
    """The line of the first carriage return that ends no line (no line feed follows it) outside
    quoted values, which stops DuckDB's CSV reader with no line of its own; None if none."""
    import numpy as np

    line, quotes, held = 1, 0, None  # held: (line, quotes) of a CR at the end of the previous chunk
    with _open_bytes(path) as fh:
        while chunk := fh.read(1 << 20):
            a = np.frombuffer(chunk, np.uint8)
            if held is not None and a[0] != 10 and held[1] % 2 == 0:
                return held[0]
            counted = np.cumsum(a == 34)
            newlines = np.cumsum(a == 10)
            crs = np.flatnonzero(a == 13)
            inner = crs[crs + 1 < len(a)]
            bare = inner[a[inner + 1] != 10]
            bare = bare[(quotes + counted[bare]) % 2 == 0]
            if len(bare):
                return line + int(newlines[bare[0]])
            held = (line + int(newlines[-1]), quotes + int(counted[-1])) if a[-1] == 13 else None
            line += int(newlines[-1])
            quotes += int(counted[-1])
    return None


# DuckDB's CSV reader skips, without a trace, a record of about 32,000,000 bytes or more (a
# shorter one over its line limit is rejected, and quarantined).
LONGEST_RECORD = 31_990_000


def _first_long_line(path: Path, longest: int = LONGEST_RECORD) -> int | None:
    """The first line of a (decompressed) file longer than `longest` bytes, or None."""
    import numpy as np

    line, run = 1, 0  # the line the chunk starts in, and its bytes before the chunk
    with _open_bytes(path) as fh:
        while chunk := fh.read(1 << 20):
            ends = np.flatnonzero(np.frombuffer(chunk, np.uint8) == 10)
            if not len(ends):
                run += len(chunk)
                if run > longest:
                    return line
                continue
            lengths = np.diff(ends, prepend=-1) - 1
            lengths[0] += run
            over = np.flatnonzero(lengths > longest)
            if len(over):
                return line + int(over[0])
            line += len(ends)
            run = len(chunk) - int(ends[-1]) - 1
    return line if run > longest else None


def _lost_records(con: duckdb.DuckDBPyConnection, path: Path, lost: int) -> AuditorError:
    """The error for a file some of whose lines are in no record the reader returned, good or
    rejected: say why, when it can be told."""
    long = _first_long_line(path)
    if long is not None:
        return AuditorError(f"{path}: line {long}: a record longer than 32 MB, which DuckDB's reader skips without a "
                            "trace; the file is refused rather than loaded without it")
    opened = con.execute("SELECT min(line) FROM _rejects WHERE error_type = 'UNQUOTED VALUE' "
                         "OR error_message ILIKE '%unterminated quote%'").fetchone()[0]
    where = f" after line {opened}, whose quoted value is never closed" if opened else ""
    return AuditorError(f"{path}: {lost:,} line(s) are in no record the reader returned{where} (DuckDB's reader can "
                        "lose the records after a quote left open); the file is refused rather than loaded without them")


def _refuse_lost_lines(con: duckdb.DuckDBPyConnection, path: Path, lines: int | None) -> None:
    """JSON Lines: every physical line is a row the reader returned (blank ones too) or one it
    rejected; a line neither is one it lost, and the file is refused."""
    lines = _physical_lines(path) if lines is None else lines
    accounted = con.execute("SELECT (SELECT count(*) FROM _read) + (SELECT count(DISTINCT line) FROM _rejects)").fetchone()[0]
    if lines > accounted:
        raise _lost_records(con, path, lines - accounted)


def _correct_reject_lines(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Replace the reader's line numbers of malformed records by physical line numbers.

    DuckDB's `line` counts records, not lines, once a quoted value has spanned lines; the byte
    offset of the record's start is exact, so the line is counted from it, except after blank
    lines (`_blanks`), where it may fall on one of them: the record starts on the first line
    after them. There are few such records (each one is an error), so this reads the file only
    when there are any.
    """
    offsets = [o for (o,) in con.execute("SELECT DISTINCT line_byte_position FROM _rejects ORDER BY 1").fetchall()]
    if not offsets:
        return
    con.execute("CREATE TEMP TABLE _reject_lines (pos BIGINT, line BIGINT)")
    con.executemany("INSERT INTO _reject_lines VALUES (?, ?)", list(zip(offsets, _lines_at(path, offsets))))
    # Runs that touch are one run (a chunk boundary may cut one in two).
    con.execute("""
        UPDATE _reject_lines SET line = r.line + r.span FROM (
          SELECT min(line) AS line, sum(span) AS span FROM (
            SELECT line, span, line - coalesce(sum(span) OVER (ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING
                                                                AND 1 PRECEDING), 0) AS island FROM _blanks)
          GROUP BY island) r
        WHERE _reject_lines.line BETWEEN r.line AND r.line + r.span - 1""")
    con.execute("UPDATE _rejects SET line = r.line FROM _reject_lines r WHERE _rejects.line_byte_position = r.pos")


def _fix_lines(con: duckdb.DuckDBPyConnection, staged: Staged, blanks: int) -> None:
    """Correct `_line` when records span several lines, or malformed records or blank lines
    were skipped.

    A good record's line is the header, plus the records and embedded line breaks before it,
    plus the physical lines of the malformed records and the blank lines the reader skipped
    before it.
    """
    if not staged.structural:
        return
    multiline = bool(staged.text_columns) and con.execute("SELECT count(*) FROM _checked WHERE _breaks > 0").fetchone()[0]
    if not multiline and not blanks and not con.execute("SELECT count(*) FROM _rejects").fetchone()[0]:
        return
    breaks = "_breaks" if multiline else "0"
    con.execute(
        f"""
UPDATE _checked SET _line = fixed.line FROM (
  WITH good AS (
    SELECT _ord, {staged.header_lines} + _ord
           + coalesce(sum({breaks}) OVER (ORDER BY _ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS base
    FROM _checked),
  spans AS (
    SELECT line, 1 + len(t) - len(replace(t, chr(10), '')) AS span
    FROM (SELECT DISTINCT line, trim(csv_line, chr(10) || chr(13)) AS t FROM _rejects)
    UNION ALL SELECT line, span FROM _blanks),
  bad AS (  -- lines skipped one after another share a position; the next record follows them all
    SELECT pos, max(skipped) AS skipped FROM (
      SELECT line - coalesce(sum(span) OVER (ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS pos,
             sum(span) OVER (ORDER BY line) AS skipped
      FROM spans)
    GROUP BY pos)
  SELECT good._ord, good.base + coalesce(bad.skipped, 0) AS line
  FROM good ASOF LEFT JOIN bad ON good.base >= bad.pos) AS fixed
WHERE _checked._ord = fixed._ord"""
    )


# A file cut off (a copy or download that stopped early) ends in an incomplete record that no
# line break ends. The reader has already parsed that record as its last malformed one, so the
# check asks the reader rather than counting quotes over the whole file (which a quote kept as
# text inside an unquoted value, `5" screen`, would throw off); only then is the file's end read,
# to see that no line break follows. A complete last record without one is fine: many tools
# write none.
_CUT_LAST_RECORD = {
    # CSV: the last malformed record, with no good record after it, has fewer fields than the
    # header or an odd number of quotes (a quoted value never closed: a quote inside one is
    # written twice).
    "csv": """
        SELECT line FROM _rejects
        WHERE line_byte_position = (SELECT max(line_byte_position) FROM _rejects)
          AND line > (SELECT coalesce(max(_line), 0) FROM _checked)
          AND (error_type = 'MISSING COLUMNS' OR (length(csv_line) - length(replace(csv_line, '"', ''))) % 2 = 1)
        LIMIT 1""",
    # JSON Lines: the last line is not JSON (a valid non-object is a bad_json row, not a cut),
    # or one the reader could not read as text (cut inside a character).
    "jsonl": """
        WITH records AS (
          SELECT _line AS line, _fate = 'rejected' AND NOT json_valid(_raw) AS cut FROM _checked
          UNION ALL SELECT line, true FROM _rejects)
        SELECT line FROM records WHERE cut AND line = (SELECT max(line) FROM records)
        LIMIT 1""",
}


def _tail(path: Path, size: int = 1 << 16) -> bytes:
    """The last `size` bytes of a (decompressed) file. A plain file is read at its end only; a
    gzip stream has no end to seek to, so it is read through."""
    if not path.name.lower().endswith(".gz"):
        with path.open("rb") as fh:
            fh.seek(max(fh.seek(0, os.SEEK_END) - size, 0))
            return fh.read()
    tail = b""
    with _open_bytes(path) as fh:
        while chunk := fh.read(1 << 20):
            tail = (tail + chunk)[-size:]
    return tail


def _ends_unbroken(path: Path) -> bool:
    """Whether the file's last line holds text and no line break ends it (CR alone counts as one:
    a CRLF file may be cut between the two)."""
    tail = _tail(path)
    return not tail.endswith((b"\n", b"\r")) and bool(tail.rsplit(b"\n", 1)[-1].strip())


def _refuse_truncated(con: duckdb.DuckDBPyConnection, src: SourceFile) -> None:
    """Fail the file when it is cut off in its last record, naming the line where that record
    starts (the header being line 1); see _CUT_LAST_RECORD. The file's end is read only when
    the reader found such a record (a gzip file is then decompressed once more)."""
    found = con.execute(_CUT_LAST_RECORD[src.format]).fetchone()
    if found and _ends_unbroken(src.path):
        raise AuditorError(
            f"{src.path}: truncated at line {found[0]}: the last record is incomplete and not ended by a line break"
        )


# ---------------------------------------------------------------------------------------------
# Step 3: keep.

STAGERS = {"csv": _stage_csv, "jsonl": _stage_jsonl, "parquet": _stage_parquet}
TEMP_TABLES = ("_stage", "_read", "_checked", "_shared_ids", "_left_out", "_shared_hashes", "_rejects", "_rejects_scan",
               "_reject_lines", "_blanks")


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the loader's temporary tables."""
    for table in TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _load_file(
    con: duckdb.DuckDBPyConnection,
    src: SourceFile,
    config: Config,
    sha: str,
    size: int,
    lines: int | None = None,
    stager: Callable[[duckdb.DuckDBPyConnection, SourceFile], Staged] | None = None,
    label: str | None = None,
) -> FileResult:
    """Stage, check and keep one file; `stager` and `label` (the format recorded in loaded_files)
    let a real-export adapter feed its mapped rows through the same steps."""
    log = src.log
    _drop_temp(con)
    file_id = None
    malformed = 0
    try:
        staged = (stager or STAGERS[src.format])(con, src)
        params = {**staged.params, "naive_tz": config.time.naive_timezone or None}
        if _writes_once(log, staged):
            file_id = _record_file(con, src, size, sha, label)
            counts = _write_once(con, src, staged, {**params, "file_id": file_id, "log": log.name, "file": src.name})
        else:
            run(con, f"CREATE TEMP TABLE _checked AS {_check_sql(log, staged)}", params)
            if not staged.numbered:
                _number_records(con, staged)
            _mark_duplicates(con, log)
            con.execute("CREATE TEMP TABLE _blanks (line BIGINT, span BIGINT)")
            blanks = _blank_lines(con, staged, src.path, lines) if staged.text_columns else 0
            if src.format == "jsonl" and stager is None:
                _refuse_lost_lines(con, src.path, lines)
            if staged.structural:
                _correct_reject_lines(con, src.path)
            _fix_lines(con, staged, blanks)
            if staged.source_lines:
                con.execute("UPDATE _checked SET _line = _stage._src_line FROM _stage WHERE _stage._ord = _checked._ord")
            if stager is None and src.format in _CUT_LAST_RECORD:
                _refuse_truncated(con, src)
    except duckdb.InterruptException:
        raise
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        stray = _stray_cr_line(src.path) if src.format == "csv" and "state machine" in first else None
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
    run(con, f"""CREATE TEMP TABLE _shared_ids AS SELECT hash({_trimmed(key, staged.sources[key.name])}) AS h
        FROM {staged.relation} GROUP BY h HAVING count(*) > 1""", meta)
    columns = ", ".join(f'"{c}"' for c in log.column_names)
    written = run(con, f"""INSERT INTO {log.name} ({columns}, _file_id, _line, _hash, _extra)
        SELECT {columns}, $file_id, _line, _hash, _extra FROM ({_check_sql(log, staged)})
        WHERE _fate = 'new' AND hash("{key.name}") NOT IN (SELECT h FROM _shared_ids)
          AND _hash NOT IN (SELECT _hash FROM {log.name})""", meta).fetchone()[0]
    run(con, f"""CREATE TEMP TABLE _left_out AS SELECT _ord FROM {staged.relation}
        WHERE _ord + {staged.header_lines} NOT IN (SELECT _line FROM {log.name} WHERE _file_id = $file_id)""", meta)
    rest = replace(staged, relation=f"(SELECT * FROM {staged.relation} WHERE _ord IN (SELECT _ord FROM _left_out))")
    run(con, f"CREATE TEMP TABLE _checked AS {_check_sql(log, rest)}", meta)
    _mark_duplicates(con, log)
    counts, _ = _keep_checked(con, src, rest, meta)
    return {**counts, "new": counts.get("new", 0) + written}


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Undo the load; a COMMIT that failed (a full disk) has already ended the transaction, and
    the error that ended it is the one to report, not this one."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


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
    from auditor import adapters  # the adapters build on this module

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

    con.execute("BEGIN TRANSACTION")
    try:
        try:
            for src in sources:
                # A CSV's or JSONL's lines are counted with its hash (to account for every line),
                # unless it is gzip.
                before = _identity(src.path)
                sha, size, lines = sha256_of(src.path, count_lines=src.format in ("csv", "jsonl")
                                             and not src.path.name.lower().endswith(".gz"))
                at_file(src, done, total)
                done += size
                if already_loaded(con, sha):
                    results.append(FileResult(log=src.log.name, file=src.name, skipped=True))
                    continue
                results.append(_load_file(con, src, config, sha, size, lines))
                _refuse_changed(src.path, before, size)
            export_results, roles_changed, twins, overlaps = adapters.load_exports(
                con, exports, config, results, at_file, done, total)
        except RecursionError:
            # Python's JSON parser recurses once per level: a document nested thousands deep.
            where = reading[0] if reading else input_dir
            raise AuditorError(f"{where}: nested too deeply to read (thousands of levels of arrays or objects); "
                               "not an export auditor reads") from None
        _drop_temp(con)
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise
    return LoadResult(results, absent, export_results, ignored, roles_changed, twins, overlaps)
