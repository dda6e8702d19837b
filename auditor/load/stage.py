"""Step 1, stage: name a file's records as text columns c0, c1, ... numbered by line or row."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import duckdb

from auditor.errors import AuditorError
from auditor.load.checks import LOOKUP_KINDS, error_struct, sql_str
from auditor.load.lines import open_bytes
from auditor.load.types import SourceFile, Staged
from auditor.resources import sql

JSONL_DELIMITER = "\x1f"  # never raw inside valid JSON, so a JSONL line is always one field

# ---------------------------------------------------------------------------------------------
# Step 1: stage. Each reader leaves `_stage(_ord, c0, c1, ...)` (or names a relation with those
# columns) and says, for each canonical column, the SQL expression of its raw text (or list of
# texts) over it.


HEADER_BYTES = 1 << 20  # a header longer than this is no log's


def _read_header(src: SourceFile) -> list[str]:
    """The column names in a CSV file's header, from its first megabyte only.

    Decoded leniently, so a byte that is not UTF-8 further down is left to the reader, which
    quarantines its row with the line; one in the header itself is an error naming line 1.
    """
    try:
        with open_bytes(src.path) as fh:
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
            # Typed, as a column that is there would be: an untyped NULL list hashed otherwise.
            sources[col.name] = "CAST(NULL AS VARCHAR[])" if col.kind == "list" else "CAST(NULL AS VARCHAR)"
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


def _stage_csv(con: duckdb.DuckDBPyConnection, src: SourceFile) -> Staged:
    names = _read_header(src)
    _check_columns(src, names)
    columns = {f"c{i}": "VARCHAR" for i in range(len(names))}
    staged = _positional(src, names, lambda c: c, lambda i: False)
    staged.header_lines = 1
    staged.structural = True
    staged.text_columns = tuple(columns)
    # Not copied into _stage: the check reads the file itself, once. A CSV reader cannot number
    # records; `_checked` keeps them in file order and is numbered after (write._number_records).
    staged.relation = sql("load/csv_relation")
    staged.params.update(path=str(src.path), columns=columns)
    staged.numbered = False
    return staged


def _stage_parquet(con: duckdb.DuckDBPyConnection, src: SourceFile) -> Staged:
    described = con.execute(sql("load/parquet_columns"), {"path": str(src.path)}).fetchall()
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
    # A column of a few words (actions, categories, apps, countries) that the writer kept
    # dictionary-encoded has few distinct values: it is checked once per distinct value.
    encoded = {p for (p,) in con.execute(sql("load/parquet_dictionary"), {"path": str(src.path)}).fetchall()}
    staged.lookups = frozenset(c.name for c in src.log.columns
                               if c.kind in LOOKUP_KINDS and c.name in encoded and c.name not in typed)
    # Not copied into _stage: the check reads the file itself, once.
    staged.relation = sql("load/parquet_relation").format(aliases=aliases)
    staged.row_key = "_row"
    staged.params["path"] = str(src.path)
    return staged


def _stage_jsonl(con: duckdb.DuckDBPyConnection, src: SourceFile) -> Staged:
    # Each line is read whole as text (a delimiter that valid JSON never holds raw, no quoting),
    # numbered before blank lines are dropped, then parsed; a line that is not a JSON object is
    # rejected as bad_json rather than failing the file.
    con.execute(sql("load/jsonl_read"), {"path": str(src.path), "delim": JSONL_DELIMITER})
    con.execute(sql("load/jsonl_stage"))
    keys = {k for (k,) in con.execute(sql("load/jsonl_keys")).fetchall()}
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
                f"{error_struct(col.name, 'bad_list', sql_str(col.name + ' is not a list of strings'))} END"
            )
        else:
            sources[col.name] = f"o ->> {path}"
    patch = json.dumps({c: None for c in src.log.column_names})
    bad_json = error_struct(None, "bad_json", "'the line is not a JSON object'")
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


STAGERS = {"csv": _stage_csv, "jsonl": _stage_jsonl, "parquet": _stage_parquet}
