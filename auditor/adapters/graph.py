"""Microsoft Graph directory audits (`GET /auditLogs/directoryAudits`) as exported.

Accepted shapes, told apart by the first non-blank line:
- a JSON document: the response page `{"@odata.context": ..., "value": [...]}`, a JSON array of
  records, or a single record (pretty-printed or not); each record's pointer is its JSON path,
  `$.value[12]` or `$[12]`;
- JSON Lines: one record per line, or one response page per line; the pointer is `line 7` or
  `line 7 $.value[2]`, and the record's line is kept.

Keys are matched case-insensitively (`Type`, `type`); the oldValue / newValue of modified
properties are JSON text inside strings and are decoded. A line or document that is not valid
JSON stops the load with the file and line: a damaged export is re-exported, not half-read.
"""

from __future__ import annotations

import gzip
import json

import duckdb

from auditor.adapters.detect import ExportFile
from auditor.adapters.records import APP_ID_NAME, lower_keys, modified_properties
from auditor.errors import AuditorError
from auditor.load.stage import JSONL_DELIMITER
from auditor.resources import sql

MAX_LINE = 1 << 30  # a Graph page saved as one line can be many megabytes


def read_lines(con: duckdb.DuckDBPyConnection, ef: ExportFile) -> None:
    """`_xa_lines(n, j)`: every physical line of the file as text, numbered from 1 (blank: NULL or blank)."""
    con.execute(sql("adapters/graph_lines"),
                {"path": str(ef.path), "delim": JSONL_DELIMITER, "max": MAX_LINE, "enc": ef.encoding})


def _text(ef: ExportFile) -> str:
    opener = gzip.open if ef.compressed else open
    with opener(ef.path, "rt", encoding="utf-16" if ef.encoding == "utf-16" else "utf-8-sig") as fh:  # type: ignore[operator]
        return fh.read()


def _broken(ef: ExportFile, line: int | None, text: str | None) -> AuditorError:
    """The error for JSON that does not parse, located by Python's parser (only on this path)."""
    where, why = line, "not valid JSON"
    try:
        json.loads(text if text is not None else _text(ef))
    except json.JSONDecodeError as exc:
        where = (line or 1) + exc.lineno - 1
        why = f"malformed JSON ({exc.msg}, column {exc.colno})"
        rest = exc.doc[exc.pos + 1:]
        if exc.pos >= len(exc.doc.rstrip()) or (exc.msg.startswith("Unterminated string") and '"' not in rest):
            why = "the file ends inside a record"
    except (OSError, UnicodeDecodeError) as exc:
        why = f"cannot read: {exc}"
    return AuditorError(
        f"{ef.path}: line {where or 1}: {why}; the export looks truncated or damaged: export it again"
    )


NEXT_LINK_NOTE = "the export ends with an @odata.nextLink: it holds only the first page(s) of the audit log"


def _key(keys: list[str] | None, name: str) -> str | None:
    """The spelling of a top-level key in an export, matched case-insensitively."""
    return next((k for k in keys or [] if k.lower() == name), None)


def _records(con: duckdb.DuckDBPyConnection, ef: ExportFile) -> str | None:
    """Fill `_xa_records(seq, line, pointer, rec)`; return a note about the export, if any.

    A document's top-level keys are read with json_keys and its record array extracted once, so a
    page of many megabytes is parsed a few times, not once per record.
    """
    read_lines(con, ef)
    first = con.execute(sql("adapters/graph_first_line")).fetchone()
    if first is None:
        raise AuditorError(f"{ef.path}: line 1: empty file (expected Graph directoryAudit JSON)")
    lines_mode = con.execute(sql("adapters/graph_is_object"), {"j": first[1]}).fetchone()[0]
    if lines_mode:
        bad = con.execute(sql("adapters/graph_bad_line")).fetchone()
        if bad:
            raise _broken(ef, bad[0], bad[1])
        con.execute(sql("adapters/graph_line_records"))
        last = json.loads(con.execute(sql("adapters/graph_last_line")).fetchone()[0])
        more = last.get(_key(list(last), "@odata.nextlink") or "")
    else:
        if not con.execute(sql("adapters/graph_document")).fetchone()[0]:
            raise _broken(ef, None, None)
        kind, keys = con.execute(sql("adapters/graph_document_keys")).fetchone()
        value, next_link = _key(keys, "value"), _key(keys, "@odata.nextlink")
        path, prefix = ("$", "$") if kind == "ARRAY" else (None, None)
        if kind == "OBJECT" and _key(keys, "activitydisplayname"):
            path, prefix = "$", None  # a single record
        elif value and con.execute(sql("adapters/graph_document_is_array"), {"p": f'$."{value}"'}).fetchone()[0]:
            path, prefix = f'$."{value}"', "$.value"
        if path is None:
            raise AuditorError(
                f"{ef.path}: line 1: not a directoryAudit export (expected a JSON array of records, an object with a "
                "`value` array, or JSON Lines)"
            )
        more = next_link and con.execute(sql("adapters/graph_document_text"), {"p": f'$."{next_link}"'}).fetchone()[0]
        con.execute(sql("adapters/graph_document_records"), {"path": path, "prefix": prefix})
        con.execute("DROP TABLE _xa_doc")
    bad = con.execute(sql("adapters/graph_bad_record")).fetchone()
    if bad:
        raise AuditorError(f"{ef.path}: {bad[0]}: a directoryAudit record must be a JSON object")
    return NEXT_LINK_NOTE if more else None


# The keys read from a record, and its shape: from_json reads them into a typed struct (a value
# of another type than expected reads as NULL).
KEYS = ("id", "result", "activitydisplayname", "activitydatetime", "initiatedby", "user", "app", "userprincipalname",
        "appid", "serviceprincipalid", "targetresources", "type", "displayname", "modifiedproperties", "oldvalue",
        "newvalue", "additionaldetails", "key", "value")
SHAPE = json.dumps({
    "id": "VARCHAR", "result": "VARCHAR", "activitydisplayname": "VARCHAR", "activitydatetime": "VARCHAR",
    "initiatedby": {"user": {"id": "VARCHAR", "userprincipalname": "VARCHAR"},
                    "app": {"appid": "VARCHAR", "serviceprincipalid": "VARCHAR"}},
    "targetresources": [{"id": "VARCHAR", "displayname": "VARCHAR", "type": "VARCHAR", "userprincipalname": "VARCHAR",
                         "modifiedproperties": [{"displayname": "VARCHAR", "oldvalue": "VARCHAR", "newvalue": "VARCHAR"}]}],
    "additionaldetails": [{"key": "VARCHAR", "value": "VARCHAR"}],
})


def stage(con: duckdb.DuckDBPyConnection, ef: ExportFile) -> str | None:
    """Leave `_xa_src` (records.SRC_COLUMNS) for the export; return a note about it, if any."""
    note = _records(con, ef)
    mods = modified_properties("mods")
    con.execute(sql("adapters/graph_source").format(
        keys=lower_keys("raw", KEYS), app_id_name=APP_ID_NAME.format(x="lower(d.key)"),
        **{f"mods_{k}": v for k, v in mods.items()}), {"shape": SHAPE})
    return note
