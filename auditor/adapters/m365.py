"""The Microsoft 365 unified audit log, exported as CSV, in either layout:

- classic (Search-UnifiedAuditLog, the old compliance centre): `CreationDate,UserIds,Operations,AuditData`;
- Purview: `RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames`.

Column names are matched case-insensitively and in any order; extra columns are ignored. The
record is the JSON object in `AuditData` (the common schema). `CreationDate` is written in the
exporting browser's locale (`9/20/2023 4:05:03 AM`) and is ignored: the time is
`AuditData.CreationTime`, UTC by the schema even when it carries no offset. Entra ID operations
end with a period (`Add member to group.`). Users and objects are named in `Actor` / `Target` as
`{ID, Type}` pairs: `User_<object id>`, `ServicePrincipal_<object id>`, `Group_<object id>`
(Type 2), a UPN (Type 5).

A malformed CSV record or an `AuditData` that is not a JSON object stops the load with the file
and line: the export is damaged (or was saved by Excel, which cuts cells at 32,767 characters).
"""

from __future__ import annotations

import json

import duckdb

from auditor.adapters.detect import ExportFile, csv_header, read_head
from auditor.adapters.graph import MAX_LINE
from auditor.adapters.records import APP_ID_NAME, lower_keys, modified_properties
from auditor.errors import AuditorError
from auditor.load.checks import TS_NAIVE
from auditor.load.lines import correct_reject_lines

CLASSIC = ("CreationDate", "UserIds", "Operations", "AuditData")
PURVIEW = ("RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData", "AssociatedAdminUnits",
           "AssociatedAdminUnitsNames")
# The columns that tell the layouts apart (older Purview exports lack the admin-unit columns).
CLASSIC_KEYS = {"creationdate", "userids", "operations", "auditdata"}
PURVIEW_KEYS = {"recordid", "creationdate", "recordtype", "operation", "userid", "auditdata"}
# The keys read from AuditData, and its shape (see records.lower_keys).
KEYS = ("id", "creationtime", "operation", "resultstatus", "userid", "actor", "target", "type", "modifiedproperties",
        "name", "oldvalue", "newvalue", "extendedproperties", "value")
SHAPE = json.dumps({
    "id": "VARCHAR", "creationtime": "VARCHAR", "operation": "VARCHAR", "resultstatus": "VARCHAR", "userid": "VARCHAR",
    "actor": [{"id": "VARCHAR", "type": "VARCHAR"}], "target": [{"id": "VARCHAR", "type": "VARCHAR"}],
    "modifiedproperties": [{"name": "VARCHAR", "oldvalue": "VARCHAR", "newvalue": "VARCHAR"}],
    "extendedproperties": [{"name": "VARCHAR", "value": "VARCHAR"}],
})
# ExtendedProperties: {Name, Value} pairs; the pair named additionalDetails holds Graph's
# additionalDetails as a JSON object inside its string ("{\"AppId\": ...}"), read as key/value pairs.
DETAILS = (
    "flatten(list_transform(r.extendedproperties, lambda e: CASE "
    "WHEN lower(e.name) = 'additionaldetails' AND json_valid(e.value) AND json_type(e.value) = 'OBJECT' "
    "THEN map_entries(TRY_CAST(CAST(e.value AS JSON) AS MAP(VARCHAR, VARCHAR))) "
    "ELSE [{'key': e.name, 'value': e.value}] END))"
)


def _layout(ef: ExportFile) -> tuple[list[str], int]:
    """The header's column names (lower case) and the lines above it; an unknown layout is an error."""
    names, skip = csv_header(read_head(ef.path)[0])
    low = [n.lower() for n in names]
    if len(set(low)) != len(low):
        raise AuditorError(f"{ef.path}: line {1 + skip}: a column appears twice in the header")
    if PURVIEW_KEYS <= set(low) or CLASSIC_KEYS <= set(low):
        return low, skip
    raise AuditorError(
        f"{ef.path}: line {1 + skip}: unknown CSV layout {','.join(names)[:200]!r}: expected the Microsoft 365 audit log export "
        f"header {','.join(CLASSIC)!r} (classic) or {','.join(PURVIEW)!r} (Purview)"
    )


def stage(con: duckdb.DuckDBPyConnection, ef: ExportFile) -> str | None:
    """Leave `_xa_src` (records.SRC_COLUMNS) for the export."""
    names, skip = _layout(ef)
    col = {n: f"c{i}" for i, n in enumerate(names)}
    columns = {f"c{i}": "VARCHAR" for i in range(len(names))}
    for table in ("_rejects", "_rejects_scan"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # The physical line of each record: the header, the records before it and the line breaks
    # inside their values.
    text = "concat_ws('', " + ", ".join(columns) + ")"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _xa_rows AS
SELECT *, {1 + skip} + _ord + coalesce(sum(len({text}) - len(replace({text}, chr(10), '')))
          OVER (ORDER BY _ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS _line
FROM (SELECT row_number() OVER () AS _ord, * FROM read_csv($path, auto_detect=false, header=true, skip=$skip,
      columns=$columns, delim=',', quote='"', escape='"', encoding=$enc, max_line_size=$max, store_rejects=true,
      rejects_table='_rejects', rejects_scan='_rejects_scan', ignore_errors=true))""",
        {"path": str(ef.path), "columns": columns, "enc": ef.encoding, "max": MAX_LINE, "skip": skip},
    )
    if con.execute("SELECT count(*) FROM _rejects").fetchone()[0]:
        if ef.encoding == "utf-8":
            correct_reject_lines(con, ef.path)
        line, message = con.execute("SELECT line, error_message FROM _rejects ORDER BY line LIMIT 1").fetchone()
        raise AuditorError(
            f"{ef.path}: line {line}: malformed CSV record ({message.splitlines()[0]}); the export looks truncated or "
            "damaged: export it again"
        )
    audit = col["auditdata"]
    bad = con.execute(
        f"SELECT _line, {audit} FROM _xa_rows WHERE NOT coalesce(json_valid({audit}) AND json_type(TRY_CAST({audit} AS JSON)) = "
        "'OBJECT', false) ORDER BY _ord LIMIT 1"
    ).fetchone()
    if bad:
        what = "empty" if not (bad[1] or "").strip() else "not a JSON object"
        raise AuditorError(
            f"{ef.path}: line {bad[0]}: AuditData is {what}; the record looks truncated or damaged (Excel cuts cells at "
            "32,767 characters): export it again"
        )
    operation = col.get("operation") or col.get("operations")
    record_id = col.get("recordid", "NULL")
    mods = modified_properties("mods")
    user = "lower(a.id) LIKE 'user\\_%' ESCAPE '\\'"
    sp = "lower(a.id) LIKE 'serviceprincipal\\_%' ESCAPE '\\'"
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _xa_src AS
WITH f AS (
  SELECT _ord AS seq, _line AS line, 'line ' || _line AS pointer, {audit} AS raw,
         from_json({lower_keys(audit, KEYS)}, $shape) AS r,
         xa_blank({operation}) AS operation_column, xa_blank({record_id}) AS record_id_column
  FROM _xa_rows),
g AS (
  SELECT *, xa_time(xa_blank(r.creationtime)) AS created,
         list_transform(r.actor, lambda a: {{'id': xa_blank(a.id), 'type': xa_blank(a.type)}}) AS actors,
         list_transform(r.target, lambda a: {{'id': xa_blank(a.id), 'type': xa_blank(a.type)}}) AS targets,
         list_transform(r.modifiedproperties, lambda p: {{
             'name': lower(xa_blank(p.name)), 'old': xa_decode(p.oldvalue), 'new': xa_decode(p.newvalue)}}) AS mods,
         {DETAILS} AS details
  FROM f)
SELECT seq, line, pointer, raw,
       coalesce(xa_blank(r.id), record_id_column) AS record_id,
       CASE WHEN regexp_full_match(created, '{TS_NAIVE}') THEN created || 'Z' ELSE created END AS occurred_text,
       coalesce(xa_blank(r.operation), operation_column) AS activity,
       xa_blank(r.resultstatus) AS result,
       list_transform(list_filter(actors, lambda a: {user}), lambda a: a.id[6:])[1] AS actor_id,
       coalesce(list_filter(actors, lambda a: a.type = '5')[1].id,
                CASE WHEN contains(r.userid, '@') THEN xa_blank(r.userid) END) AS actor_upn,
       list_transform(list_filter(actors, lambda a: {sp}), lambda a: a.id[18:])[1] AS actor_app_id,
       list_transform(list_filter(targets, lambda a: {user}), lambda a: a.id[6:])[1] AS target_user_id,
       list_filter(targets, lambda a: a.type = '5')[1].id AS target_upn,
       coalesce(list_transform(list_filter(targets, lambda a: lower(a.id) LIKE 'group\\_%' ESCAPE '\\'),
                               lambda a: a.id[7:])[1], {mods['group_id']}) AS group_id,
       list_distinct(list_filter(flatten([
           coalesce(list_transform(list_filter(targets, lambda a: a.type IN ('2', '4')
                                               AND lower(a.id) NOT IN ('serviceprincipal', 'user', 'group', 'role')),
                                   lambda a: CASE WHEN {sp} THEN a.id[18:] ELSE a.id END), []),
           coalesce({mods['app_ids']}, []),
           coalesce(list_transform(list_filter(details, lambda d: {APP_ID_NAME.format(x='lower(d.key)')}), lambda d: d.value), [])]),
         lambda x: x IS NOT NULL AND trim(x) <> '')) AS app_ids,
       {mods['role_name']} AS role_name,
       coalesce({mods['admin_consent']}, false) AS admin_consent,
       {mods['principal_id']} AS principal_id
FROM g""", {"shape": SHAPE})
    return None
