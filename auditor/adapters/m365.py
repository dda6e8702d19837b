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
from auditor.resources import sql

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
        sql("adapters/m365_rows").format(text=text),
        {"path": str(ef.path), "columns": columns, "enc": ef.encoding, "max": MAX_LINE, "skip": skip},
    )
    if con.execute(sql("load/reject_count")).fetchone()[0]:
        if ef.encoding == "utf-8":
            correct_reject_lines(con, ef.path)
        line, message = con.execute(sql("adapters/m365_first_reject")).fetchone()
        raise AuditorError(
            f"{ef.path}: line {line}: malformed CSV record ({message.splitlines()[0]}); the export looks truncated or "
            "damaged: export it again"
        )
    audit = col["auditdata"]
    bad = con.execute(sql("adapters/m365_bad_audit").format(audit=audit)).fetchone()
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
    con.execute(sql("adapters/m365_source").format(
        audit=audit, keys=lower_keys(audit, KEYS), operation=operation, record_id=record_id, details=DETAILS,
        ts_naive=TS_NAIVE, user=user, sp=sp, app_id_name=APP_ID_NAME.format(x="lower(d.key)"),
        **{f"mods_{k}": v for k, v in mods.items()}), {"shape": SHAPE})
    return None
