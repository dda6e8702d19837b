"""`auditor report`: the monthly compliance report, as HTML, PDF and a CSV of every finding.

The report reads a check run of the period (it runs one when there is none for the same data,
configuration, controls and waivers), so its numbers are the numbers `auditor check --format
json` gives for that run. All aggregation happens in DuckDB; Python only shapes the few rows
shown. Tables in the report are capped (a PDF lays out only so many rows a second); the CSV
holds every finding of the period.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from markupsafe import Markup

from auditor import __version__, dsr
from auditor.check import STATUSES, CheckRun, absent_logs, carried_over_sql, find_or_run
from auditor.periods import Period, month_period
from auditor.config import Config
from auditor.db import checkpoint_behind, iso_sql, rows
from auditor.errors import AuditorError
from auditor.coverage import Window, assess
from auditor.interactive import explorer_data, print_only, script_json
from auditor.outputs import findings_columns, inputs, period_findings_csv, rows_csv
from auditor.pseudonym import Pseudonymizer, pseudonym_key
from auditor.files import write_all_atomic
from auditor.resources import sql
from auditor.render import CHART_MODULES, PDF_MODULES, Preload, environment, generated_at, html_to_pdf, svg_chart
from auditor.waivers import WaiverFile

EXAMPLES = 25  # findings shown per control; the CSV has them all
TABLE_CAP = 50  # admin changes and requests listed (a PDF lays out about 140 table rows a second)
TREND_MONTHS = 6
SEVERITY_ORDER = ("high", "medium", "low")


@dataclass
class ReportFiles:
    html: Path | None
    pdf: Path | None
    csv: Path
    admin_csv: Path
    run_id: int


def month_labels(label: str, n: int) -> list[str]:
    """The n months YYYY-MM ending with `label`, oldest first."""
    year, month = map(int, label.split("-"))
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def trend_since(label: str, tz: str) -> datetime:
    """The start of the trend's first month: a report's run keeps the findings arising from it on."""
    return month_period(month_labels(label, TREND_MONTHS)[0], tz).start


def verdict_line(run: CheckRun, open_total: int, open_high: int) -> tuple[str, str]:
    """The cover's verdict: a CSS class and a sentence never stronger than the evidence."""
    shortfall = []
    not_run = sum(r.status in ("not_evaluated", "error") for r in run.results)
    if not_run:
        shortfall.append(f"{not_run} control(s) not evaluated")
    if run.evidence.unacknowledged:
        shortfall.append(f"{len(run.evidence.unacknowledged)} gap(s) in the access log not acknowledged")
    if run.verdict == "not_compliant":
        text = f"Not compliant: {open_total:,} open finding(s), {open_high:,} of them high"
        carried = sum(r.carried_over - r.carried_over_waived for r in run.results)
        text += f" ({carried:,} carried over from earlier months)" if carried else ""
        return "bad", text + (f"; the evidence is also incomplete ({', '.join(shortfall)})" if shortfall else "")
    if run.verdict == "incomplete":
        return "warn", f"Incomplete evidence: {', '.join(shortfall)}. No finding, but compliance cannot be shown"
    return "ok", "Compliant: every control evaluated on logs that cover the period, no open findings"


def build_context(
    con: duckdb.DuckDBPyConnection, config: Config, run: CheckRun, label: str, pseudo: Pseudonymizer
) -> dict[str, Any]:
    """Everything the monthly template shows, computed in SQL from the run and the logs: one
    function per section of the report."""
    period = run.period
    assert period is not None
    p = {"run": run.run_id, "start": period.start, "end": period.end, "as_of": run.as_of, "pkey": pseudo.key,
         "user": None}  # dsr/requests of every user
    tz = config.time.report_timezone
    summary = _summary(con, run, p, tz, label, pseudo)
    controls = _controls(con, config, run, p, tz, label, pseudo)
    evidence = _evidence_quality(con, p)
    _assign_owners(controls["controls"], config, period)
    return {
        "config": config, "run": run, "label": label, "period": period, "tool_version": __version__,
        "generated_at": generated_at(), **summary, **controls, "examples_cap": EXAMPLES,
        "evidence": run.evidence, **_flows(con, p), **_consent(con, config, p, tz, pseudo),
        **_requests(con, p, pseudo), "absent": sorted(absent_logs(con)), **evidence,
        "inputs": inputs(con), "pseudonymized": bool(pseudo.key),
    }


def _people(pseudo: Pseudonymizer, column: str, alias: str) -> dict[str, str]:
    """The template parts naming a person: `{alias}_id` (the id or its pseudonym) and
    `{alias}_person` (name and email, NULL when pseudonymised) of the person in `column`."""
    return {f"{alias}_id": pseudo.sql(column.split(".")[-1]), f"{alias}_person": pseudo.person(column, alias)}


def _summary(con: duckdb.DuckDBPyConnection, run: CheckRun, p: dict[str, Any], tz: str, label: str,
             pseudo: Pseudonymizer) -> dict[str, Any]:
    """1. Summary and change against the previous month (same run: findings are kept with
    arose_at); the findings of earlier months still open, with the month each arose in."""
    previous = month_period(month_labels(label, TREND_MONTHS)[-2], tz)
    by_sev = {r["severity"]: r for r in rows(con, sql("report/severities"),
                                             {**p, "pstart": previous.start, "pend": previous.end})}
    severities = [
        {"severity": s, "open": by_sev.get(s, {}).get("open", 0), "waived": by_sev.get(s, {}).get("waived", 0),
         "previous": by_sev.get(s, {}).get("previous", 0),
         "carried": sum(r.carried_over - r.carried_over_waived for r in run.results if r.control.severity == s)}
        for s in SEVERITY_ORDER
    ]
    status_counts = {s: sum(r.status == s for r in run.results) for s in STATUSES}
    verdict = verdict_line(run, sum(s["open"] + s["carried"] for s in severities),
                           severities[0]["open"] + severities[0]["carried"])
    people = _people(pseudo, "f.user_id", "user")
    carried = rows(con, sql("report/carried").format(**people, carried_over=carried_over_sql(), cap=TABLE_CAP),
                   {**p, "tz": tz})
    for c in carried:
        c["reason"] = pseudo.text(c.pop("reason"), c.pop("real_user"))
    return {"verdict": verdict, "severities": severities, "carried": carried,
            "carried_total": sum(r.carried_over for r in run.results), "status_counts": status_counts}


def _controls(con: duckdb.DuckDBPyConnection, config: Config, run: CheckRun, p: dict[str, Any], tz: str,
              label: str, pseudo: Pseudonymizer) -> dict[str, Any]:
    """2. Per control: trend over six months from the same run, examples, counts. Each trend
    month is judged on its own evidence: a month the logs do not cover is "no data", never zero
    findings; the change against last month only when last month is covered."""
    labels = month_labels(label, TREND_MONTHS)
    months = [month_period(m, tz) for m in labels]
    assert run.since is None or run.since <= months[0].start, "the run kept no findings of the trend's first months"
    span = (run.evidence.span_start, run.evidence.span_end)
    coverage = [assess(con, config, Window(m.start, min(m.end, run.as_of)), run.as_of, run.waivers, span)
                for m in months[:-1]] + [run.evidence]
    month_states = [e.state for e in coverage]
    trend_rows = rows(con, sql("report/trend"), {**p, "tz": tz, "tstart": months[0].start})
    trends: dict[str, list[int | None]] = {}
    for r in trend_rows:
        trends.setdefault(r["control"], [0] * len(months))[labels.index(r["month"])] = r["n"]
    no_data = [state == "not_covered" for state in month_states]
    examples = rows(con, sql("report/examples").format(**_people(pseudo, "f.user_id", "user"), cap=EXAMPLES), p)
    by_control: dict[str, list[dict[str, Any]]] = {}
    for e in examples:
        e["reason"] = pseudo.text(e.pop("reason"), e.pop("real_user"))
        by_control.setdefault(e["control"], []).append(e)
    controls = []
    for r in sorted(run.results, key=lambda r: (SEVERITY_ORDER.index(r.control.severity), r.control.id)):
        counts = [None if gone else n for n, gone in zip(trends.get(r.control.id, [0] * len(months)), no_data)]
        controls.append({
            "result": r, "c": r.control, "examples": by_control.get(r.control.id, []),
            "trend": counts,
            "chart": Markup(svg_chart(f"trend-{r.control.id}",
                                      lambda ax, c=counts: _bars(ax, labels, c, month_states), height=1.4))
            if any(counts) else None,
        })
    return {
        "controls": controls, "month_labels": labels, "previous_label": labels[-2],
        "previous_covered": month_states[-2] == "covered",
        "no_data_months": [m for m, gone in zip(labels, no_data) if gone],
        "partial_months": [m for m, state in zip(labels, month_states) if state == "partly_covered"],
    }


def _flows(con: duckdb.DuckDBPyConnection, p: dict[str, Any]) -> dict[str, Any]:
    """3. Data flows in the period. Violations are the run's own findings on these rows
    (allowed-categories, eu-us-transfer-tagged): the charts show what the controls judged, not a
    second copy of the rules."""
    flows = rows(con, sql("report/flows"), {**p, "control": "allowed-categories"})
    apps = rows(con, sql("report/apps"), p)
    transfers = rows(con, sql("report/transfers"), {**p, "control": "eu-us-transfer-tagged"})
    flow_chart = Markup(svg_chart("flows", lambda ax: _grouped(ax, flows), height=2.6)) if flows else None
    transfer_chart = Markup(svg_chart(
        "transfers", lambda ax: _hbars(ax, [f"{t['route']}: {t['mechanism']}" for t in transfers], transfers),
        height=0.7 + 0.28 * len(transfers))) if transfers else None
    return {"flows": flows, "apps": apps, "transfers": transfers, "flow_chart": flow_chart,
            "transfer_chart": transfer_chart}


def _consent(con: duckdb.DuckDBPyConnection, config: Config, p: dict[str, Any], tz: str,
             pseudo: Pseudonymizer) -> dict[str, Any]:
    """4. Consent and enablement: the states at as_of, the period's activity and admin changes
    (grouped per actor, day and kind of change; every change is in admin-changes-P.csv)."""
    org = rows(con, sql("report/org"), p)
    changes = sql("report/changes").format(**_people(pseudo, "a.actor_id", "actor"), cap=TABLE_CAP)
    return {
        "consent": rows(con, sql("report/consent"), p)[0],
        "activity": rows(con, sql("report/consent_activity"), p),
        "hidden": rows(con, sql("report/hidden"), p)[0]["n"],
        "org": org[0] if org else None,
        "changes": rows(con, changes, {**p, "tz": tz}),
        "changes_total": rows(con, sql("report/changes_total"), p)[0]["n"],
        "changes_groups": rows(con, sql("report/changes_groups"), {**p, "tz": tz})[0]["n"],
        "group_names": config.report.group_names,
    }


def _requests(con: duckdb.DuckDBPyConnection, p: dict[str, Any], pseudo: Pseudonymizer) -> dict[str, Any]:
    """5. Data-subject requests received, due or open in the period: counted in full, the
    soonest deadlines listed."""
    listed = sql("report/requests").format(**_people(pseudo, "q.user_id", "user"), requests=dsr.REQUESTS_SQL,
                                           cap=TABLE_CAP)
    counts = {r["status"]: r["n"] for r in rows(con, sql("report/request_statuses").format(requests=dsr.REQUESTS_SQL), p)}
    return {
        "dsr": rows(con, listed, p), "dsr_statuses": dsr.STATUSES, "dsr_total": sum(counts.values()),
        "dsr_summary": {s: counts.get(s, 0) for s in dsr.STATUSES},
        "dsr_received": rows(con, sql("report/requests_received"), p)[0]["n"],
    }


def _evidence_quality(con: duckdb.DuckDBPyConnection, p: dict[str, Any]) -> dict[str, Any]:
    """6. Evidence quality: the rows rejected, the files loaded (named as the load folder has
    them, never by where they were on this machine) and their fingerprint."""
    files = rows(con, sql("report/files"), p)
    for f, name in zip(files, relative_names([f["path"] for f in files])):
        f["path"] = name
    fingerprint = hashlib.sha256("\n".join(sorted(f["sha256"] for f in files)).encode()).hexdigest()
    return {"rejected": rows(con, sql("report/rejected"), p), "files": files, "fingerprint": fingerprint}


def _assign_owners(controls: list[dict[str, Any]], config: Config, period: Period) -> None:
    """Who fixes each failed control, by when."""
    due = (period.end + timedelta(days=config.owners.due_days)).date()
    for c in controls:
        r = c["result"]
        owner = config.owners.by_control.get(r.control.id) or config.owners.by_severity.get(r.control.severity)
        c["owner"], c["due"] = (owner, due) if r.status == "fail" and owner else (None, None)


def relative_names(paths: list[str]) -> list[str]:
    """Each path relative to the folder the paths share (the file name alone for one path)."""
    if not paths:
        return []
    parents = [str(Path(p).parent) for p in paths]
    common = Path(os.path.commonpath(parents)) if len(set(Path(p).anchor for p in paths)) == 1 else None
    return [str(Path(p).relative_to(common)) if common else Path(p).name for p in paths]


def _bars(ax: Any, labels: list[str], counts: list[int | None], states: list[str]) -> None:
    """Findings per month; a month the logs do not cover is marked "no data" (no bar), one they
    cover in part is hatched and labelled "partial"."""
    values = [n or 0 for n in counts]
    colours = ["#b8c4d6"] * (len(values) - 1) + ["#9b1c1c" if values[-1] else "#1d6b2c"]
    bars = ax.bar(labels, values, color=colours)
    top = max(values) or 1
    for bar, n, state in zip(bars, counts, states):
        if n is None:
            ax.text(bar.get_x() + bar.get_width() / 2, top * 0.05, "no data", ha="center", va="bottom",
                    fontsize=7, color="#6b7280", rotation=90)
        elif state == "partly_covered":
            bar.set_hatch("////")
            bar.set_edgecolor("#6b7280")
            ax.text(bar.get_x() + bar.get_width() / 2, n, "partial", ha="center", va="bottom", fontsize=7, color="#6b7280")
    ax.set_ylim(0, top * 1.25)
    ax.set_ylabel("findings")
    ax.yaxis.get_major_locator().set_params(integer=True)


VIOLATION = "#b91c1c"
VALID = ("#4a78b5", "#d08a2e")


def _label_bars(ax: Any, bars: Any, rows: list[dict[str, Any]], horizontal: bool) -> None:
    """Write each bar's count at its end, and mark a bar holding violations with a red marker and
    "violation", so a violation of 1 event stays visible beside bars of hundreds."""
    for bar, row in zip(bars, rows):
        if not row["n"]:
            continue
        text = f"{row['n']:,}" + (f" ({row['violations']:,} violation{'s' if row['violations'] != 1 else ''})"
                                  if row["violations"] else "")
        colour = VIOLATION if row["violations"] else "#333333"
        if horizontal:
            end, middle = bar.get_width(), bar.get_y() + bar.get_height() / 2
            if row["violations"]:
                ax.plot([end], [middle], marker="D", color=VIOLATION, markersize=5, clip_on=False)
            ax.annotate(text, (end, middle), xytext=(6, 0), textcoords="offset points", va="center", fontsize=7, color=colour)
        else:
            end, middle = bar.get_height(), bar.get_x() + bar.get_width() / 2
            if row["violations"]:
                ax.plot([middle], [end], marker="v", color=VIOLATION, markersize=5, clip_on=False)
            ax.annotate(text if not row["violations"] else f"{row['violations']:,} violation",
                        (middle, end), xytext=(0, 5), textcoords="offset points", ha="center", fontsize=6.5,
                        color=colour, rotation=90 if row["violations"] else 0)


def _grouped(ax: Any, flows: list[dict[str, Any]]) -> None:
    """Access events per category, a bar per direction; bars with violations in red."""
    from matplotlib.patches import Patch  # matplotlib loads in the background (render.Preload): import it when drawing
    categories = sorted({f["category"] for f in flows})
    directions = [("linkedin_to_microsoft", "LinkedIn to Microsoft"), ("microsoft_to_linkedin", "Microsoft to LinkedIn")]
    width = 0.4
    for i, (key, name) in enumerate(directions):
        rows = [next((f for f in flows if f["direction"] == key and f["category"] == c), {"n": 0, "violations": 0})
                for c in categories]
        bars = ax.bar([x + (i - 0.5) * width for x in range(len(categories))], [r["n"] for r in rows], width=width,
                      label=name, color=[VIOLATION if r["violations"] else VALID[i] for r in rows])
        _label_bars(ax, bars, rows, horizontal=False)
    ax.set_xticks(range(len(categories)), categories, rotation=25, ha="right", rotation_mode="anchor")
    ax.set_ylabel("access events (count)")
    ax.margins(y=0.3)
    handles = [Patch(color=VALID[0], label=directions[0][1]), Patch(color=VALID[1], label=directions[1][1]),
               Patch(color=VIOLATION, label="category not allowed in that direction")]
    ax.legend(handles=handles, frameon=False, fontsize=7, loc="upper left", ncols=3)


def _hbars(ax: Any, labels: list[str], rows: list[dict[str, Any]]) -> None:
    """One bar per route and mechanism; those with violations in red, each labelled with its count."""
    bars = ax.barh(labels, [r["n"] for r in rows], color=[VIOLATION if r["violations"] else VALID[0] for r in rows])
    _label_bars(ax, bars, rows, horizontal=True)
    ax.invert_yaxis()
    ax.margins(x=0.35)
    ax.set_xlabel("access events (count); red: no valid transfer mechanism")


def write_report(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    period_text: str,
    out_dir: Path,
    formats: set[str],
    waivers: WaiverFile,
    pseudonymize: bool,
) -> ReportFiles:
    """Run (or reuse) the period's check and write report-P.html, report-P.pdf, findings-P.csv."""
    pseudo = Pseudonymizer(pseudonym_key(config) if pseudonymize else None)
    period = month_period(period_text, config.time.report_timezone)
    # The chart and PDF libraries (a second to import) are imported while DuckDB checks.
    loading = Preload(CHART_MODULES, *([PDF_MODULES] if "pdf" in formats else []))
    run = find_or_run(con, config, period, waivers, since=trend_since(period_text, config.time.report_timezone))
    loading.wait(CHART_MODULES)
    html = render_html(con, config, run, period_text, pseudo)

    html_path = out_dir / f"report-{period_text}.html"
    pdf_path = out_dir / f"report-{period_text}.pdf"
    csv_path = out_dir / f"findings-{period_text}.csv"
    # Everything is made before anything is written, then written together: an interruption or
    # a full disk leaves the earlier report's files as they were, never a new HTML beside an
    # old PDF.
    files: dict[Path, bytes | str] = {}
    if "html" in formats:
        files[html_path] = html
    files[csv_path] = period_findings_csv(con, run, pseudo)
    admin_path = out_dir / f"admin-changes-{period_text}.csv"
    files[admin_path] = admin_changes_csv(con, period, pseudo)
    if "pdf" in formats:
        with checkpoint_behind(con):
            loading.wait(PDF_MODULES)
            files[pdf_path] = render_pdf(html)
    write_all_atomic(files)
    return ReportFiles(html_path if "html" in formats else None, pdf_path if "pdf" in formats else None, csv_path,
                       admin_path, run.run_id)


def admin_changes_csv(con: duckdb.DuckDBPyConnection, period: Period, pseudo: Pseudonymizer) -> str:
    """Every admin event of the period, one row each, with the names of the actor and the member
    (the report groups them per actor and day), as CSV. Ids and names come from the logs, so
    cells a spreadsheet would run as formulas are neutralised."""
    template = sql("report/admin_changes").format(
        occurred_at=iso_sql("occurred_at"), **_people(pseudo, "a.actor_id", "actor"),
        **_people(pseudo, "a.target_user_id", "target"))
    return rows_csv(con.sql(template, params={"start": period.start, "end": period.end,
                                              **({"pkey": pseudo.key} if pseudo.key else {})}))


def render_html(con: duckdb.DuckDBPyConnection, config: Config, run: CheckRun, label: str, pseudo: Pseudonymizer,
                findings: Any = None) -> str:
    """The monthly report of a run as one self-contained HTML page, with every finding of the
    period (`findings`: outputs.findings_frame or findings_columns; read when not given)
    embedded for its explorer."""
    if findings is None:
        findings = findings_columns(con, run, pseudo)
    context = build_context(con, config, run, label, pseudo)
    context["explorer"] = script_json(explorer_data(findings, label))
    return environment().get_template("monthly.html.j2").render(**context)


def render_pdf(html: str) -> bytes:
    """The PDF of a report page (without its interactive block); a page that asks for any outside
    resource is refused."""
    pdf, refused = html_to_pdf(print_only(html))
    if refused:  # the page is self-contained; anything it asks for is a bug, not a resource
        raise AuditorError(f"the report asked for outside resources: {', '.join(refused[:3])}")
    return pdf
