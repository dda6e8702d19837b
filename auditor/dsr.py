"""Data-subject requests and their deadlines, as the DPO tracks them (`auditor dsr`).

The deadline is received_at + 1 calendar month, 3 when the request was extended (GDPR
Art. 12(3)); DuckDB's month arithmetic clamps to the month's last day (31 January + 1 month =
28 February), as controls.md requires. Everything is judged at as_of: a request received after
as_of is not yet known, a completion after as_of has not happened yet (the request is open).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.db import iso, plain, rows
from auditor.outputs import neutralised_cell
from auditor.resources import sql

# Each status and its words in the DPO's overview and the monthly report.
STATUSES = {"done_in_time": "done in time", "done_late": "done late", "open": "open", "overdue": "overdue"}
FIELDS = ("request_id", "user_id", "type", "scope", "received_at", "extended", "deadline", "completed_at",
          "status", "days_left")

# The one definition of a request's status: `auditor dsr` and the monthly report both select from it.
REQUESTS_SQL = sql("dsr/requests")


def requests(con: duckdb.DuckDBPyConnection, as_of: datetime, user_id: str | None = None) -> list[dict[str, Any]]:
    """Every request received by as_of (of one user, when given), soonest deadline first."""
    return rows(con, REQUESTS_SQL + "ORDER BY deadline, received_at, request_id, _file_id, _line",
                {"as_of": as_of, "user": user_id})


def received_after(con: duckdb.DuckDBPyConnection, as_of: datetime, user_id: str | None = None) -> int:
    """How many request rows were received after as_of (not shown: not yet received then)."""
    return con.execute(sql("dsr/received_after"), {"as_of": as_of, "user": user_id}).fetchone()[0]


def to_json(rows: list[dict[str, Any]], as_of: datetime, later: int) -> str:
    """{"as_of", "requests": [...], "received_after_as_of"}: see README, `auditor dsr`."""
    data = {"as_of": iso(as_of), "requests": [plain(r) for r in rows], "received_after_as_of": later}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    for row in rows:
        values = plain(row)
        # A request id or user id a spreadsheet would run as a formula is written with a leading `'`.
        writer.writerow(["true" if values[k] is True else "false" if values[k] is False else neutralised_cell(values[k])
                         for k in FIELDS])
    return buffer.getvalue()


STATUS_STYLE = {"done_in_time": "green", "done_late": "yellow", "open": "", "overdue": "bold red"}


def print_table(console: Console, rows: list[dict[str, Any]], as_of: datetime, later: int, absent: bool = False) -> None:
    """The DPO's overview: one line per request, soonest deadline first, then a tally."""
    console.print(f"as_of {iso(as_of)}")
    if absent:
        console.print("No dsr_requests log has been loaded: no requests are known.")
    elif not rows:
        console.print("No data-subject requests received by as_of.")
    else:
        table = Table()
        for name, justify in (("request", "left"), ("user", "left"), ("type", "left"), ("received", "left"),
                              ("deadline", "left"), ("completed", "left"), ("status", "left"), ("days left", "right")):
            table.add_column(name, justify=justify, no_wrap=name in ("request", "received", "deadline", "completed"))
        for r in rows:
            status = STATUSES[r["status"]] + (" (extended)" if r["extended"] else "")
            # Values from the log go in as Text, never as markup: an id like "[red]" stays literal.
            table.add_row(
                Text(r["request_id"]), Text(r["user_id"]), Text(r["type"] + (f" ({r['scope']})" if r["scope"] else "")),
                _minute(r["received_at"]), _minute(r["deadline"]), _minute(r["completed_at"]),
                Text(status, style=STATUS_STYLE[r["status"]]),
                "" if r["days_left"] is None else str(r["days_left"]),
            )
        console.print(table)
        tally = {s: sum(r["status"] == s for r in rows) for s in STATUSES}
        console.print(", ".join(f"{n} {STATUSES[s]}" for s, n in tally.items()))
    if later:
        console.print(f"{later} request(s) received after as_of are not shown.")


def _minute(t: datetime | None) -> str:
    return "" if t is None else t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
