"""A check run as the terminal table, JSON, CSV or JUnit XML.

The JSON shape is a contract other tools rely on (README, "auditor check"):
{"tool": {"name", "version"}, "verdict", "shortfall", "as_of", "window": {"start", "end"},
 "period": {"start", "end"} | null, "inputs": [{"log", "file", "sha256", "rows"}],
 "controls": [{"id", "title", "severity", "articles", "status", "reason", "findings", "waived",
               "carried_over", "carried_over_waived"}],
 "evidence": {"span", "state", "logs", "gaps", "expired_gap_acknowledgements"},
 "findings": [{"control", "event_id", "user_id", "occurred_at", "reason", "severity", "waived",
               "waiver", "source", "arose_at"}],
 "carried_over": [the same, for findings that arose before the period and are still open at its end],
 "expired_waivers": [...]}
The CSV layout (CSV_COLUMNS) is the one of the report's findings-P.csv and the evidence pack's.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from auditor import __version__
from auditor.check import CheckRun, carried_over_sql
from auditor.coverage import Evidence, Gap
from auditor.db import identifier, iso, iso_sql, rows
from auditor.pseudonym import Pseudonymizer
from auditor.resources import sql

CSV_COLUMNS = ("control", "severity", "event_id", "user_id", "user_name", "user_email", "occurred_at", "arose_at", "reason", "waived",
               "waiver_reason", "waiver_approved_by", "waiver_expires", "source")
FINDING_FIELDS = ("control", "event_id", "user_id", "occurred_at", "reason", "severity", "waived", "waiver", "source", "arose_at")


def findings(con: duckdb.DuckDBPyConnection, run: CheckRun, carried_over: bool = False) -> list[dict[str, Any]]:
    """The run's findings of its period, or those carried over into it (keys: FINDING_FIELDS),
    sorted by control, then occurred_at, then event_id."""
    chosen = carried_over_sql() if carried_over else sql("outputs/period_findings")
    # Times formatted by DuckDB; ordered by the time itself (f.occurred_at), not its text.
    out = rows(
        con,
        sql("outputs/findings").format(findings=chosen, occurred_at=iso_sql("occurred_at"), arose_at=iso_sql("arose_at")),
        {"run": run.run_id, "as_of": run.as_of},
    )
    for item in out:
        item["waiver"] = json.loads(item["waiver"]) if item["waiver"] else None
    return out


def inputs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every file loaded: log, path, SHA-256 and rows loaded."""
    rows = con.execute(sql("outputs/inputs")).fetchall()
    return [{"log": log, "file": path, "sha256": sha, "rows": n} for log, path, sha, n in rows]


def to_dict(con: duckdb.DuckDBPyConnection, run: CheckRun) -> dict[str, Any]:
    return {
        "tool": {"name": "auditor", "version": __version__},
        "verdict": run.verdict,
        "shortfall": run.shortfall(),
        "as_of": iso(run.as_of),
        "window": run.evidence.window.as_dict(),
        "period": {"start": iso(run.period.start), "end": iso(run.period.end)} if run.period else None,
        "inputs": inputs(con),
        "controls": [
            {
                "id": r.control.id,
                "title": r.control.title,
                "severity": r.control.severity,
                "articles": r.control.articles,
                "status": r.status,
                "reason": r.reason,
                "findings": r.findings,
                "waived": r.waived,
                "carried_over": r.carried_over,
                "carried_over_waived": r.carried_over_waived,
            }
            for r in run.results
        ],
        "evidence": run.evidence.as_dict(),
        "findings": findings(con, run),
        "carried_over": findings(con, run, carried_over=True),
        "expired_waivers": [w.as_dict() for w in run.expired_waivers],
    }


def to_json(con: duckdb.DuckDBPyConnection, run: CheckRun) -> str:
    return json.dumps(to_dict(con, run), indent=2) + "\n"


def _findings_query(run: CheckRun, pseudo: Pseudonymizer | None) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters of every finding of the run's period (CSV_COLUMNS), in a stable
    order, ISO times."""
    pseudo = pseudo or Pseudonymizer(None)
    reason = "reason" if not pseudo.key else f"replace(reason, user_id, {pseudo.sql('user_id')})"
    # Ordered by the time itself (findings.occurred_at), not by its text.
    query = sql("outputs/findings_frame").format(
        user_id=pseudo.sql("user_id"), user_person=pseudo.person("f.user_id", "user"), reason=reason,
        occurred_at=iso_sql("occurred_at"), arose_at=iso_sql("arose_at"))
    return query, {"run": run.run_id, **({"pkey": pseudo.key} if pseudo.key else {})}


def findings_frame(con: duckdb.DuckDBPyConnection, run: CheckRun, pseudo: Pseudonymizer | None = None) -> Any:
    """Every finding of the run's period as a DataFrame (CSV_COLUMNS), in a stable order, ISO times."""
    return con.execute(*_findings_query(run, pseudo)).fetch_df()


def findings_columns(con: duckdb.DuckDBPyConnection, run: CheckRun, pseudo: Pseudonymizer | None = None
                     ) -> dict[str, list[Any]]:
    """The findings of `findings_frame` as a list per column (NULL as None), without pandas
    (which costs a report 0.7 s to import)."""
    # Through NumPy's arrays (matplotlib's, already loaded), not rows of tuples: 0.3 CPU-s instead
    # of 0.7 for a busy month's 100,000 findings.
    arrays = con.execute(*_findings_query(run, pseudo)).fetchnumpy()
    return {name: values.tolist() for name, values in arrays.items()}


# A cell a spreadsheet would take for a formula (OWASP, "CSV injection"): =, +, -, @, tab or CR first.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised_cell(value: Any) -> Any:
    """One CSV cell, neutralised as `neutralised` does a column (for the few rows of `auditor dsr`)."""
    return "'" + value if isinstance(value, str) and value[:1] in FORMULA_START else value


def findings_csv(frame: Any) -> str:
    """The findings CSV of a DataFrame (findings_frame's columns, or some of them): booleans
    written true/false, as in the JSON; formulas neutralised."""
    return csv_text(duckdb.connect().from_df(frame))


def period_findings_csv(con: duckdb.DuckDBPyConnection, run: CheckRun, pseudo: Pseudonymizer | None = None) -> str:
    """findings_csv(findings_frame(con, run, pseudo)), the same bytes, written from the query
    without a DataFrame."""
    query, params = _findings_query(run, pseudo)
    return csv_text(con.sql(query, params=params))


def neutralised(relation: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """`relation` with a `'` before each text a spreadsheet would run as a formula (its first
    character in FORMULA_START: `=HYPERLINK(...)` is written `'=HYPERLINK(...)`); other values and
    columns as they are."""
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_START)
    cells = []
    for name, kind in zip(relation.columns, relation.types):
        column = identifier(name)
        cells.append(f"CASE WHEN left({column}, 1) IN ({starts}) THEN chr(39) || {column} ELSE {column} END AS {column}"
                     if str(kind) == "VARCHAR" else column)
    return relation.project(", ".join(cells))


def csv_text(relation: duckdb.DuckDBPyRelation) -> str:
    """The CSV of a relation, neutralised, as DuckDB writes it: booleans true/false, an empty text
    "" (missing stays empty), a CR inside a value quoted."""
    # DuckDB, not pandas: 0.26 s instead of 0.7 s for a busy month's 100,000 findings.
    with tempfile.TemporaryDirectory(prefix="auditor-csv-") as tmp:
        path = Path(tmp) / "findings.csv"
        neutralised(relation).write_csv(str(path), header=True)
        with path.open(encoding="utf-8", newline="") as fh:
            return fh.read()


def rows_csv(relation: duckdb.DuckDBPyRelation) -> str:
    """The CSV of a relation of a few rows (a month's admin changes), neutralised, as Python's csv
    module writes it: an empty text written empty, as a missing one."""
    # The writer pandas' to_csv used for this file before, with the same dialect: the same bytes.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(relation.columns)
    writer.writerows(neutralised(relation).fetchall())
    return buffer.getvalue()


def findings_parquet(frame: Any) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def to_csv(con: duckdb.DuckDBPyConnection, run: CheckRun) -> str:
    return period_findings_csv(con, run)


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
        skipped=str(sum(r.status == "not_evaluated" for r in run.results)),
        timestamp=iso(run.as_of) or "",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (("verdict", run.verdict), ("window_start", iso(run.evidence.window.start)),
                        ("window_end", iso(run.evidence.window.end)), ("coverage", run.evidence.state)):
        ET.SubElement(properties, "property", name=name, value=value or "")
    for gap in run.evidence.gaps:
        ET.SubElement(properties, "property", name="gap", value=_gap_text(gap))
    for r in run.results:
        case = ET.SubElement(suite, "testcase", classname=f"auditor.{r.control.severity}", name=r.control.id)
        if r.status == "fail":
            open_findings = [f for f in by_control.get(r.control.id, []) if not f["waived"]]
            failure = ET.SubElement(case, "failure", message=f"{len(open_findings)} finding(s): {r.control.title}")
            failure.text = "\n".join(f"{f['event_id']}: {f['reason']}" for f in open_findings)
        elif r.status == "error":
            ET.SubElement(case, "error", message=r.reason or "error")
        elif r.status == "not_evaluated":
            ET.SubElement(case, "skipped", message=r.reason or "not evaluated")
        if r.waived:
            ET.SubElement(case, "system-out").text = f"{r.waived} finding(s) waived"
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


STATUS_STYLE = {"pass": "green", "fail": "bold red", "waived": "yellow", "not_evaluated": "dim", "error": "bold magenta"}
VERDICT_STYLE = {"compliant": "bold green", "not_compliant": "bold red", "incomplete": "bold yellow"}


def _gap_text(gap: Gap) -> str:
    ack = f" (acknowledged: {gap.acknowledged_by.reason}, approved by {gap.acknowledged_by.approved_by})" if gap.acknowledged_by else ""
    return f"{iso(gap.start)} .. {iso(gap.end)}, {gap.hours:g} h without an access event{ack}"


def print_evidence(console: Console, evidence: Evidence) -> None:
    """The evidence under the window: per log, then every gap."""
    table = Table(title=f"Evidence (window {iso(evidence.window.start)} .. {iso(evidence.window.end)}: "
                        f"{evidence.state.replace('_', ' ')})", title_justify="left")
    for name, justify in (("log", "left"), ("present", "left"), ("rows in window", "right"), ("first", "left"), ("last", "left")):
        table.add_column(name, justify=justify, no_wrap=True)
    for e in evidence.logs:
        table.add_row(e.log, "yes" if e.present else "[bold yellow]absent[/]", f"{e.rows_in_window:,}",
                      iso(e.first) or "", iso(e.last) or "")
    console.print(table)
    for gap in evidence.gaps:  # the acknowledgement's words are the waivers file's: text, not markup
        console.print(f"gap {_gap_text(gap)}", style=None if gap.acknowledged_by else "bold yellow", markup=False,
                      highlight=False)
    for a in evidence.expired_acknowledgements:
        console.print(f"expired gap acknowledgement (no longer applies): {iso(a.start)} .. {iso(a.end)}, "
                      f"expired {a.expires}, approved by {a.approved_by}", markup=False, highlight=False)


def print_table(console: Console, con: duckdb.DuckDBPyConnection, run: CheckRun, examples: int = 5) -> None:
    """The terminal summary: the verdict, the evidence, every control, then the first findings of each failing one."""
    period = f"  period {iso(run.period.start)} .. {iso(run.period.end)}" if run.period else ""
    console.print(f"as_of {iso(run.as_of)}{period}  (run {run.run_id})")
    console.print(f"verdict: [{VERDICT_STYLE[run.verdict]}]{run.verdict}[/]"
                  + ("; the evidence is incomplete:" if run.incomplete else "; every control ran on logs that cover the window"))
    for why in run.shortfall():
        console.print(f"  - {why}", markup=False, highlight=False)
    print_evidence(console, run.evidence)
    table = Table(show_lines=False)
    columns = ["control", "severity", "status", "findings", "waived"] + (["carried over"] if run.period else [])
    for name in columns:
        table.add_column(name, justify="left" if name in ("control", "severity", "status") else "right", no_wrap=name == "control")
    for r in run.results:
        status = r.status + (f" ({r.reason})" if r.reason else "")
        cells = [r.control.id, r.control.severity, f"[{STATUS_STYLE[r.status]}]{escape(status)}[/]", str(r.findings),
                 str(r.waived)]
        if run.period:
            cells.append(f"{r.carried_over} ({r.carried_over_waived} waived)" if r.carried_over_waived else str(r.carried_over))
        table.add_row(*cells)
    console.print(table)
    for r in run.results:
        if r.status != "fail":
            continue
        rows = con.execute(
            sql("outputs/examples"),
            [run.run_id, r.control.id, examples],
        ).fetchall()
        unwaived = r.findings - r.waived
        carried = f", and {r.carried_over - r.carried_over_waived} carried over from earlier months" if r.carried_over else ""
        console.print(f"\n[bold]{r.control.id}[/] ({r.control.severity}): {unwaived} finding(s) not waived{carried}")
        for event_id, reason in rows:
            console.print(f"  {event_id}: {reason}", markup=False, highlight=False)
        if unwaived > len(rows):
            console.print(f"  ... and {unwaived - len(rows):,} more (--format json or csv lists them all)", highlight=False)
    for w in run.expired_waivers:
        console.print(f"\nexpired waiver (no longer applies): {w.control} {w.event_id or w.user_id}, expired {w.expires}, approved by {w.approved_by}", markup=False)
