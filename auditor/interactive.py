"""The interactive side of the monthly HTML report: every finding of the period, embedded as data.

The page stays one self-contained file: the findings (outputs.findings_columns) are
embedded as JSON in a `<script type="application/json">` element, which report_templates/
interactive.js reads with JSON.parse and renders with createElement/textContent, one page of
rows at a time. Nothing from a log is ever parsed as HTML or as code.

The data is columnar: a column with few distinct values (control, severity, user, status) is a
sorted dictionary and one code per row, which makes filtering and sorting integer work in the
browser and keeps the file small. Above COMPRESS_ABOVE bytes of JSON the columns are gzipped and
base64-encoded (the browser inflates them with DecompressionStream): the benchmark's busy month,
106,884 findings, is 30 MB of JSON, mostly their reasons, and 8 MB so.

The PDF is rendered from the same page without the interactive block (print_only): WeasyPrint
would ignore the scripts, but would still parse megabytes of script text (a second per 7 MB).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from typing import Any

from markupsafe import Markup

# Delimits the interactive block in the page (report_templates/interactive.html.j2). It cannot be
# forged by a log value: values are HTML-escaped and the embedded JSON has "<" escaped.
START, END = "<!-- auditor:interactive -->", "<!-- /auditor:interactive -->"
COMPRESS_ABOVE = 1_000_000  # bytes of JSON; below it the data stays readable in the page
# At the busy month: level 3 writes 8.0 MB in 0.49 CPU-s; level 6 7.3 MB in 0.84 (the report
# has a 15 s budget), level 1 8.2 MB in 0.45.
GZIP_LEVEL = 3
FORMAT_VERSION = 1

# The explorer's columns, in order. filter: "select" (one value of a dictionary column) or "text"
# (a substring); sort: "text" or "time"; mono: set in the monospace font; person: the columns of
# the display name and email shown above the id (as the report's tables show people), which the
# column's filter also searches and which it sorts by first. Every column of the frame is
# embedded and searched, shown or not (arose_at, source, the waiver's fields).
COLUMNS: tuple[dict[str, Any], ...] = (
    {"key": "control", "label": "Control", "filter": "select", "sort": "text"},
    {"key": "severity", "label": "Severity", "filter": "select", "sort": "text"},
    {"key": "user_id", "label": "User", "filter": "text", "sort": "text", "person": ["user_name", "user_email"]},
    {"key": "occurred_at", "label": "When", "filter": None, "sort": "time"},
    {"key": "event_id", "label": "Row", "filter": None, "sort": "text", "mono": True},
    {"key": "reason", "label": "Reason", "filter": None, "sort": "text"},
    {"key": "status", "label": "Status", "filter": "select", "sort": "text"},
)
# Dictionaries in this order rather than alphabetical, so sorting by severity puts high first.
ORDER = {"severity": ("high", "medium", "low"), "status": ("open", "waived")}
ALWAYS_CODED = {"control", "severity", "status", "waived", "source"}


def explorer_data(findings: Any, label: str) -> dict[str, Any]:
    """The findings (outputs.findings_columns, or findings_frame's DataFrame) as the explorer's
    columnar data."""
    values = {name: _values(column) for name, column in findings.items()}
    values["status"] = [{True: "waived", False: "open"}.get(w) for w in values["waived"]]
    columns = {name: _column(name, column) for name, column in values.items()}
    return {
        "version": FORMAT_VERSION,
        "label": label,
        "rows": len(values["status"]),
        "columns": [_present(c, columns) for c in COLUMNS if c["key"] in columns],
        "data": columns,
    }


def _present(spec: dict[str, Any], columns: dict[str, Any]) -> dict[str, Any]:
    """`spec` naming only the person columns the frame has (none in a frame without names)."""
    if "person" not in spec:
        return spec
    return {**spec, "person": [c for c in spec["person"] if c in columns]}


def _values(column: Any) -> list[Any]:
    """A column as a list; a pandas Series' NaN, NA and None as None (null)."""
    if hasattr(column, "notna"):
        return column.astype(object).where(column.notna(), None).tolist()
    return list(column)


def _column(name: str, values: list[Any]) -> dict[str, Any] | list[Any]:
    """A plain list, or {"dict": sorted distinct values, "codes": one index per row} when that is
    smaller (at most one distinct value in two rows) or the column is filtered by value."""
    distinct = set(values)
    if name not in ALWAYS_CODED and len(distinct) * 2 > len(values):
        return values
    order = ORDER.get(name, ())
    ranked = sorted(distinct, key=lambda v: (v is not None, v not in order,
                                             order.index(v) if v in order else 0, str(v)))
    index = {v: i for i, v in enumerate(ranked)}
    return {"dict": ranked, "codes": [index[v] for v in values]}


def script_json(data: dict[str, Any], compress: bool | None = None) -> Markup:
    """`data` as the text of a <script type="application/json">: "<", ">" and "&" escaped as
    \\u003c etc., so no value can close the element or open a comment; gzipped and base64-encoded
    above COMPRESS_ABOVE bytes (or when `compress` says so)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if compress is None:
        compress = len(text.encode("utf-8")) > COMPRESS_ABOVE
    if compress:
        raw = gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL, mtime=0)  # mtime 0: same bytes
        envelope = {"version": FORMAT_VERSION, "encoding": "gzip+base64", "rows": data["rows"],
                    "data": base64.b64encode(raw).decode("ascii")}
        text = json.dumps(envelope, separators=(",", ":"))
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(escaped.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def read_script_json(text: str) -> dict[str, Any]:
    """The data of script_json's text, inflated when compressed (for tests and tools)."""
    data = json.loads(text)
    if data.get("encoding") == "gzip+base64":
        data = json.loads(gzip.decompress(base64.b64decode(data["data"])).decode("utf-8"))
    return data


def embedded(html: str) -> dict[str, Any]:
    """The explorer's data embedded in a report page."""
    found = re.search(r'<script type="application/json" id="auditor-findings">(.*?)</script>', html, re.S)
    if not found:
        raise ValueError("no findings data in the page")
    return read_script_json(found.group(1))


def print_only(html: str) -> str:
    """The page without its interactive block: what the PDF is made of."""
    start = html.find(START)
    end = html.find(END, start)
    if start < 0 or end < 0:
        return html
    return html[:start] + html[end + len(END):]
