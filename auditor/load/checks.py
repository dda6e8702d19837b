"""Step 2, check: the validation SQL generated from the schema, one expression per column kind."""

from __future__ import annotations

from dataclasses import replace

from auditor.load.types import Staged
from auditor.resources import sql
from auditor.schema import Column, Log

# ISO 8601 with a time of day and an explicit offset (Z, +HH:MM, +HHMM or +HH), and without one.
TS_WITH_OFFSET = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)"
TS_NAIVE = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?"
WHITESPACE = "' ' || chr(9) || chr(10) || chr(13)"

# ---------------------------------------------------------------------------------------------
# Step 2: check.


def error_struct(column: str | None, rule: str, message_sql: str) -> str:
    col = "NULL" if column is None else f"'{column}'"
    return f"{{'column': {col}, 'rule': '{rule}', 'message': {message_sql}}}"


def sql_str(text: str) -> str:
    """A SQL string literal of one of our own constant texts."""
    return "'" + text.replace("'", "''") + "'"


def _literal_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(sql_str(v) for v in values) + ")"


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
        checks.append((f"{t} IS NULL", error_struct(col.name, "missing_value", sql_str(col.name + " is empty"))))
    if col.required_when:
        other, values = col.required_when
        checks.append((
            f'{t} IS NULL AND "{other}" IN {_literal_list(values)}',
            error_struct(col.name, "missing_value", sql_str(col.name + " is empty but required for this " + other)),
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
                error_struct(col.name, "bad_enum", shown + " || " + sql_str("is not one of: " + ", ".join(col.values))),
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
        naive = error_struct(col.name, "naive_timestamp", shown + " || 'has no UTC offset (add Z or +HH:MM, or set time.naive_timezone)'")
        bad = error_struct(col.name, "bad_timestamp", shown + " || 'is not an ISO 8601 timestamp'")
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
            error_struct(col.name, "bad_country", shown + " || " + sql_str("is not a two-letter country code")),
        ))
    elif col.kind == "integer":
        # A typed integer is refused for what its text would be refused for: a sign, a size.
        value = (f"CASE WHEN {t} >= 0 THEN TRY_CAST({t} AS BIGINT) END" if typed
                 else f"CASE WHEN regexp_full_match({t}, '[0-9]+') THEN TRY_CAST({t} AS BIGINT) END")
        checks.append((f"{t} IS NOT NULL AND {n} IS NULL", error_struct(col.name, "bad_integer", shown + " || " + sql_str("is not an integer"))))
    elif col.kind == "boolean":
        value = (
            f"CASE WHEN {t} IS NULL THEN false WHEN lower({t}) IN ('true', 'yes', '1') THEN true "
            f"WHEN lower({t}) IN ('false', 'no', '0') THEN false END"
        )
        checks.append((f"{n} IS NULL", error_struct(col.name, "bad_boolean", shown + " || " + sql_str("is not true/false/yes/no/1/0"))))
    else:  # pragma: no cover - the schema names only the kinds above
        raise ValueError(col.kind)
    return value, checks


# Whitespace at either end, tested on the first and last character (trim() with a character set
# is slow, and most values need no trimming at all).
_PADDED = "ascii({x}) IN (9, 10, 13, 32) OR ascii({x}[-1]) IN (9, 10, 13, 32)"


def trimmed_sql(col: Column, source: str) -> str:
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


def same_row(a: str, b: str, log: Log) -> str:
    """SQL: rows a and b hold the same canonical values (NULLs equal)."""
    return " AND ".join(f'{a}."{c}" IS NOT DISTINCT FROM {b}."{c}"' for c in log.column_names)


# Kinds whose values are a few dozen words in any log (actions, categories, apps, countries): a
# column of these kinds is checked once per distinct value (`_lookup`) when the reader knows its
# distinct values are few (Staged.lookups). Ids and timestamps are mostly distinct: per row.
LOOKUP_KINDS = ("enum", "label", "country")


def _own_sql(col: Column) -> tuple[str, list[tuple[str, str]]]:
    """_column_sql of the column's own rules: without required_when, which looks at another column."""
    return _column_sql(replace(col, required_when=None))


def _lookup(col: Column, source: str, relation: str) -> str:
    """SQL of the lookup of one column: each distinct raw value (`_r`) of the column in the file,
    with its trimmed text (`_t`), its value (`_v`) and whether it breaks one of the column's own
    rules (`_b`; a rule that looks at another column, required_when, stays per row)."""
    value, checks = _own_sql(col)
    bad = " OR ".join(f"({cond})" for cond, _ in checks) or "false"
    return (f'SELECT _r, "_t_{col.name}" AS _t, "{col.name}" AS _v, coalesce({bad}, false) AS _b FROM ('
            f'SELECT *, {value} AS "{col.name}" FROM (SELECT _r, {trimmed_sql(col, "_r")} AS "_t_{col.name}" '
            f"FROM (SELECT DISTINCT {source} AS _r FROM {relation} AS _s)))")


def check_sql(log: Log, staged: Staged) -> str:
    """SQL selecting the rows of `_checked`: normalised columns and fate of each row; for a new
    row its content hash, for a rejected one its errors and raw text.

    Whether a row is rejected is one boolean over all checks; the list of errors (structs with
    texts) is built only for the rows that are. The fate is 'rejected' or 'new' here;
    `mark_duplicates` then settles which new rows are exact duplicates (and, in the
    directory, rejects a second row for a user, which is why it keeps every row's raw text).

    A column in `staged.lookups` is checked once per distinct value: its trimmed text, value and
    verdict come from a join with its lookup (`_lookup`) instead of expressions on every row.
    The errors of a rejected row are still computed from that row's own values, as before.
    """
    lookups = [c for c in log.columns if c.name in staged.lookups]
    trimmed, values, checks, bad_parts = [], [], [], []
    for col in log.columns:
        value, column_checks = _column_sql(col, col.name in staged.typed)
        checks.extend(column_checks)
        if col in lookups:
            k = lookups.index(col)
            trimmed.append(f'_lk{k}._t AS "_t_{col.name}", _lk{k}._v AS "{col.name}", _lk{k}._b AS "_b_{col.name}"')
            bad_parts.append(f'"_b_{col.name}"')
            # A rule that looks at another column (required_when) is not in the lookup: per row.
            own = _own_sql(col)[1]
            bad_parts.extend(f"({cond})" for cond, error in column_checks if (cond, error) not in own)
            continue
        source = staged.sources[col.name]
        trimmed.append(f'{source if col.name in staged.typed else trimmed_sql(col, source)} AS "_t_{col.name}"')
        values.append(f'{value} AS "{col.name}"')
        bad_parts.extend(f"({cond})" for cond, _ in column_checks)
    with_ = ("WITH " + ", ".join(f"_lk{k} AS MATERIALIZED ({_lookup(c, staged.sources[c.name], staged.relation)})"
                                 for k, c in enumerate(lookups)) + "\n") if lookups else ""
    joins = "".join(f" LEFT JOIN _lk{k} ON {staged.sources[c.name]} IS NOT DISTINCT FROM _lk{k}._r"
                    for k, c in enumerate(lookups))
    bad = "len(_pre) > 0 OR coalesce(" + " OR ".join(bad_parts) + ", false)"
    # A row that could not be parsed (bad JSON) is reported for that alone, not for every
    # value it therefore lacks.
    errors = ", ".join(f"CASE WHEN {cond} THEN {error} END" for cond, error in checks)
    error_list = f"CASE WHEN len(_pre) > 0 THEN _pre ELSE list_filter([{errors}], lambda x: x IS NOT NULL) END"
    columns = ", ".join(f'"{c}"' for c in log.column_names)
    keep_raw = "true" if log.unique_id else "_bad"
    # CSV: the line breaks inside the record's values, which shift the lines after it (fix_lines).
    breaks = ""
    if staged.text_columns:
        text = "concat_ws('', " + ", ".join(f"_s.{c}" for c in staged.text_columns) + ")"
        newline = " OR ".join(f"contains(_s.{c}, chr(10))" for c in staged.text_columns)
        breaks = f"CASE WHEN {newline} THEN len({text}) - len(replace({text}, chr(10), '')) ELSE 0 END AS _breaks, "
    # hash(a, b, ...) is the value hash(struct_pack(a, b, ...)) had, which earlier versions
    # stored, without building a struct per row (2 CPU-s at 10M rows).
    return with_ + sql("load/check").format(
        header_lines=staged.header_lines, breaks_column="_breaks, " if breaks else "", columns=columns,
        error_list=error_list, keep_raw=keep_raw, raw=staged.raw_sql, bad=bad, values=", ".join(values),
        breaks=breaks, extra=staged.extra_sql, pre=staged.pre_errors, trimmed=",\n  ".join(trimmed),
        relation=staged.relation, joins=joins)
