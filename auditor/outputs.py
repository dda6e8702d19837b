"""A check run as the terminal table, JSON, CSV or JUnit XML.

The JSON shape is a contract other tools rely on (README, "auditor check"):
{"tool": {"name", "version"}, "as_of", "period": {"start", "end"} | null,
 "inputs": [{"log", "file", "sha256", "rows"}],
 "controls": [{"id", "title", "severity", "articles", "status", "findings", "waived", "detail"}],
 "findings": [{"control", "event_id", "user_id", "occurred_at", "reason", "severity", "waived",
               "waiver", "source", "arose_at"}],
 "expired_waivers": [...]}
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from auditor import __version__
from auditor.check import CheckRun
from auditor.db import iso, iso_sql, rows

FINDING_FIELDS = ("control", "event_id", "user_id", "occurred_at", "reason", "severity", "waived", "waiver", "source", "arose_at")


def findings(con: duckdb.DuckDBPyConnection, run: CheckRun) -> list[dict[str, Any]]:
    """The run's findings (keys: FINDING_FIELDS), sorted by control, then occurred_at, then event_id."""
    # Times formatted by DuckDB; ordered by the time itself (findings.occurred_at), not its text.
    out = rows(
        con,
        f"SELECT control, event_id, user_id, {iso_sql('occurred_at')} AS occurred_at, reason, severity, "
        f"waiver IS NOT NULL AS waived, waiver, source, {iso_sql('arose_at')} AS arose_at FROM findings "
        "WHERE run_id = $run AND in_period ORDER BY control, findings.occurred_at, event_id, source",
        {"run": run.run_id},
    )
    for item in out:
        item["waiver"] = json.loads(item["waiver"]) if item["waiver"] else None
    return out


def inputs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every file loaded: log, path, SHA-256 and rows loaded."""
    rows = con.execute("SELECT log, path, sha256, rows_loaded FROM loaded_files ORDER BY file_id").fetchall()
    return [{"log": log, "file": path, "sha256": sha, "rows": n} for log, path, sha, n in rows]


def to_dict(con: duckdb.DuckDBPyConnection, run: CheckRun) -> dict[str, Any]:
    return {
        "tool": {"name": "auditor", "version": __version__},
        "as_of": iso(run.as_of),
        "period": {"start": iso(run.period.start), "end": iso(run.period.end)} if run.period else None,
        "inputs": inputs(con),
        "controls": [
            {
                "id": r.control.id,
                "title": r.control.title,
                "severity": r.control.severity,
                "articles": r.control.articles,
                "status": r.status,
                "findings": r.findings,
                "waived": r.waived,
                "detail": r.detail,
            }
            for r in run.results
        ],
        "findings": findings(con, run),
        "expired_waivers": [w.as_dict() for w in run.expired_waivers],
    }


def to_json(con: duckdb.DuckDBPyConnection, run: CheckRun) -> str:
    return json.dumps(to_dict(con, run), indent=2) + "\n"


def to_csv(con: duckdb.DuckDBPyConnection, run: CheckRun) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FINDING_FIELDS)
    for f in findings(con, run):
        writer.writerow([json.dumps(f[k]) if k == "waiver" and f[k] else f[k] for k in FINDING_FIELDS])
    return buffer.getvalue()


def to_junit(con: duckdb.DuckDBPyConnection, run: CheckRun) -> str:
    """One test case per control; unwaived findings are its failure, errors its error."""
    by_control: dict[str, list[dict[str, Any]]] = {}
    for f in findings(con, run):
        by_control.setdefault(f["control"], []).append(f)
    suite = ET.Element(
        "testsuite",
        name="auditor",
        tests=str(len(run.results)),
        failures=str(sum(r.status == "fail" for r in run.results)),
        errors=str(sum(r.status == "error" for r in run.results)),
        skipped=str(sum(r.status == "not-evaluated" for r in run.results)),
        timestamp=iso(run.as_of) or "",
    )
    for r in run.results:
        case = ET.SubElement(suite, "testcase", classname=f"auditor.{r.control.severity}", name=r.control.id)
        if r.status == "fail":
            open_findings = [f for f in by_control.get(r.control.id, []) if not f["waived"]]
            failure = ET.SubElement(case, "failure", message=f"{len(open_findings)} finding(s): {r.control.title}")
            failure.text = "\n".join(f"{f['event_id']}: {f['reason']}" for f in open_findings)
        elif r.status == "error":
            ET.SubElement(case, "error", message=r.detail or "error")
        elif r.status == "not-evaluated":
            ET.SubElement(case, "skipped", message=r.detail or "not evaluated")
        if r.waived:
            ET.SubElement(case, "system-out").text = f"{r.waived} finding(s) waived"
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


STATUS_STYLE = {"pass": "green", "fail": "bold red", "waived": "yellow", "not-evaluated": "dim", "error": "bold magenta"}


def print_table(console: Console, con: duckdb.DuckDBPyConnection, run: CheckRun, examples: int = 5) -> None:
    """The terminal summary: every control, then the first findings of each failing one."""
    period = f"  period {iso(run.period.start)} .. {iso(run.period.end)}" if run.period else ""
    console.print(f"as_of {iso(run.as_of)}{period}  (run {run.run_id})")
    table = Table(show_lines=False)
    for name, justify in (("control", "left"), ("severity", "left"), ("status", "left"), ("findings", "right"), ("waived", "right")):
        table.add_column(name, justify=justify, no_wrap=name == "control")
    for r in run.results:
        status = r.status + (f" ({r.detail})" if r.detail else "")
        table.add_row(r.control.id, r.control.severity, f"[{STATUS_STYLE[r.status]}]{status}[/]", str(r.findings), str(r.waived))
    console.print(table)
    for r in run.results:
        if r.status != "fail":
            continue
        rows = con.execute(
            "SELECT event_id, reason FROM findings WHERE run_id = ? AND control = ? AND waiver IS NULL AND in_period "
            "ORDER BY occurred_at, event_id, source LIMIT ?",
            [run.run_id, r.control.id, examples],
        ).fetchall()
        console.print(f"\n[bold]{r.control.id}[/] ({r.control.severity}): {r.findings - r.waived} open finding(s)")
        for event_id, reason in rows:
            console.print(f"  {event_id}: {reason}", markup=False, highlight=False)
    for w in run.expired_waivers:
        console.print(f"\nexpired waiver (no longer applies): {w.control} {w.event_id or w.user_id}, expired {w.expires}, approved by {w.approved_by}", markup=False)
