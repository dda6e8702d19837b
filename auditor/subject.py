"""`auditor subject`: everything the logs hold about one person, and nothing about anyone else.

For a data-subject request under GDPR Art. 15 (access) or Art. 20 (portability): a readable
report (HTML, PDF; in any language with a catalogue in auditor/messages/) and a JSON export of
every row about the person.

Who a row is about: the person is the data subject of their `users` row, their consent events,
the access events of their data (user_id) and their requests; of the admin events only those
that target them (group_add / group_remove), without the actor. Other people are never named:
an access row's viewer_id is kept only when it is the person themselves, and recipients are
counted ("shown on 14 profile cards to 9 colleagues"), not listed.

All aggregation is DuckDB SQL with bound parameters; Python only shapes the person's own rows.
The report judges at as_of like every control: rows dated after it are left out of the report
(and counted), a purge or completion after it has not happened yet. The JSON export holds every
row, whatever as_of.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from markupsafe import Markup

from auditor import __version__
from auditor.check import CheckRun, absent_logs, find_or_run
from auditor.config import Config
from auditor.db import iso, plain, rows
from auditor.dsr import received_after, requests
from auditor.errors import AuditorError
from auditor.i18n import Messages
from auditor.files import write_all_atomic
from auditor.render import CHART_MODULES, PDF_MODULES, Preload, environment, generated_at, html_to_pdf, svg_chart
from auditor.resources import sql
from auditor.waivers import WaiverFile

EXPORT_VERSION = 1
FORMATS = ("html", "pdf", "json")
RECORD_LOGS = ("users", "consent_events", "access_events", "admin_events", "dsr_requests")


@dataclass(frozen=True)
class Subject:
    """The person a report is about, as the directory knows them (or only by id)."""

    user_id: str
    email: str | None
    display_name: str | None
    country: str | None
    in_directory: bool
    eea_resident: bool | None  # None: no country known


def find_subject(con: duckdb.DuckDBPyConnection, user: str) -> Subject:
    """The person named by a user id or an email (case-insensitive) of the directory.

    A user id absent from the directory but present in the logs is still a data subject (the
    report says so). Anything else is an AuditorError.
    """
    key = user.strip()
    if not key:
        raise AuditorError("give a user id or an email")
    rows = con.execute(sql("subject/by_id"), {"key": key}).fetchall()
    if not rows:
        rows = con.execute(sql("subject/by_email"), {"key": key}).fetchall()
        if len(rows) > 1:
            raise AuditorError(f"{key!r} is the email of {len(rows)} users in the directory: give the user id instead")
    if rows:
        user_id, email, name, country, eea = rows[0]
        return Subject(user_id, email, name, country, True, eea)
    seen = con.execute(sql("subject/seen"), {"key": key}).fetchone()[0]
    if seen:
        return Subject(key, None, None, None, False, None)
    raise AuditorError(f"no user {key!r}: it is neither a user id nor an email in the users directory, nor a user id in the logs")


def safe_name(user_id: str) -> str:
    """A file-name-safe form of a user id; a short hash keeps two ids that differ only in unsafe
    characters apart (a/b and a_b)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", user_id)[:80]
    if safe != user_id:
        safe += "-" + hashlib.sha256(user_id.encode("utf-8")).hexdigest()[:8]
    return safe


def access_table(con: duckdb.DuckDBPyConnection, user_id: str) -> str:
    """The name of a temporary table holding the person's access events (user_id), made once.

    access_events is the one large log and the person's rows are spread over all of it: one
    scan copies them (a few hundred of ten million), and every count of the report and the
    export read the copy instead of scanning the log again. The copy is taken at the first call
    on a connection and lives as long as the connection (one command); it holds only
    connection-local memory, never anything written to the database file.
    """
    table = f"subject_access_{hashlib.sha256(user_id.encode('utf-8')).hexdigest()[:16]}"
    # The one statement built here: a table's name cannot be a bound parameter (the name is ours,
    # a hash; the queries that read it name it with query_table($table)).
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} AS {sql('subject/access_rows')}", {"user": user_id})
    return table


# --- The JSON export ------------------------------------------------------------------------------

def _rows(con: duckdb.DuckDBPyConnection, query: str, **params: Any) -> list[dict[str, Any]]:
    return rows(con, query, params)


def _one(con: duckdb.DuckDBPyConnection, query: str, **params: Any) -> dict[str, Any] | None:
    rows = _rows(con, query, **params)
    return rows[0] if rows else None


def records(con: duckdb.DuckDBPyConnection, user_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every row about the person, log by log, with timestamps as ISO 8601 UTC strings."""
    out = {}
    for log in RECORD_LOGS:
        table = access_table(con, user_id) if log == "access_events" else None
        out[log] = [plain(row) for row in _rows(con, sql(f"subject/records/{log}"), user=user_id, table=table)]
    return out


def export(con: duckdb.DuckDBPyConnection, subject: Subject, run: CheckRun) -> dict[str, Any]:
    """The portability export (README, `auditor subject`, "The JSON export"), version 1."""
    return {
        "version": EXPORT_VERSION,
        "tool": {"name": "auditor", "version": __version__},
        "generated_at": iso(generated_at()),
        "as_of": iso(run.as_of),
        "subject": asdict(subject),
        "absent_logs": sorted(absent_logs(con)),
        "records": records(con, subject.user_id),
        "audit": audit(con, run, subject.user_id),
    }


# --- The readable report --------------------------------------------------------------------------

def _consent_state(con: duckdb.DuckDBPyConnection, user: str, as_of: datetime) -> dict[str, Any]:
    """never / connected (scope, since the spell began) / disconnected (since) at as_of."""
    row = _one(con, sql("subject/consent_state"), user=user, as_of=as_of)
    if row is None or not row["ever_connected"]:
        return {"kind": "never"}
    if row["state"] == "disconnected":
        return {"kind": "disconnected", "since": row["valid_from"]}
    return {"kind": "connected", "since": row["spell_start"], "scope": row["scope"]}


def _visibility(con: duckdb.DuckDBPyConnection, user: str, as_of: datetime) -> dict[str, Any]:
    row = _one(con, sql("subject/visibility"), user=user, as_of=as_of)
    return {"kind": "default"} if row is None else {"kind": row["visibility"], "since": row["valid_from"]}


def _flows(con: duckdb.DuckDBPyConnection, user: str, as_of: datetime) -> dict[str, Any]:
    p = {"user": user, "as_of": as_of, "table": access_table(con, user)}
    return {
        "total": _one(con, sql("subject/flows_total"), **p),
        "by_category": _rows(con, sql("subject/flows_by_category"), **p),
        "by_app": _rows(con, sql("subject/flows_by_app"), **p),
        "by_month": _rows(con, sql("subject/flows_by_month"), **p),
        "recipients": _rows(con, sql("subject/recipients"), **p),
        "as_viewer": _one(con, sql("subject/as_viewer"), **p),
    }


def _held(con: duckdb.DuckDBPyConnection, user: str, as_of: datetime) -> list[dict[str, Any]]:
    """Copies not purged by as_of, by who holds them: LinkedIn holds what Microsoft sent it."""
    return _rows(con, sql("subject/held"), user=user, as_of=as_of, table=access_table(con, user))


def _transfers(con: duckdb.DuckDBPyConnection, user: str, as_of: datetime) -> dict[str, Any]:
    routes = _rows(con, sql("subject/transfers"), as_of=as_of, table=access_table(con, user))
    # Both lists from the routes (a few rows), not from the events again.
    regions = sorted({r[k] for r in routes for k in ("source_region", "destination_region")} - {None})
    mechanisms = sorted({r["transfer_mechanism"] for r in routes}, key=lambda m: (m is None, m or ""))
    return {"routes": routes, "regions": regions, "mechanisms": mechanisms}


def _findings(con: duckdb.DuckDBPyConnection, run: CheckRun, user: str) -> dict[str, Any]:
    """The person's findings in a run of every control at the report's as_of (README, `auditor
    subject`), with what the run could not judge and the evidence under it.

    Only the control, the row's id and times are used: the findings' own reasons are written for
    the compliance officer and are not repeated to the data subject (the report explains each
    control in its own words, in the report's language).
    """
    rows = _rows(con, sql("subject/findings"), run=run.run_id, user=user)
    return {"run_id": run.run_id, "as_of": run.as_of, "rows": rows, "evidence": run.evidence,
            "not_evaluated": [r.control.id for r in run.results if r.status in ("not_evaluated", "error")],
            "incomplete": run.incomplete}


def audit(con: duckdb.DuckDBPyConnection, run: CheckRun, user: str) -> dict[str, Any]:
    """The findings part of the JSON export: the as_of judged, the coverage, the person's findings."""
    found = _findings(con, run, user)
    return {"as_of": iso(run.as_of), "check_run": run.run_id, "window": run.evidence.window.as_dict(),
            "evidence": run.evidence.as_dict(), "verdict": run.verdict,
            "controls_not_evaluated": found["not_evaluated"],
            "findings": [plain(r) for r in found["rows"]]}


def _event_counts(con: duckdb.DuckDBPyConnection, user: str, as_of: datetime) -> tuple[int, int]:
    """How many consent, access, admin and request rows are about the person, and how many of
    them are dated after as_of (left out of the report)."""
    return con.execute(sql("subject/event_counts"),
                       {"user": user, "as_of": as_of, "table": access_table(con, user)}).fetchone()


def report_data(con: duckdb.DuckDBPyConnection, subject: Subject, run: CheckRun) -> dict[str, Any]:
    """Everything the readable report shows, language-neutral (codes, counts, times)."""
    user, as_of = subject.user_id, run.as_of
    p = {"user": user, "as_of": as_of}
    events, later = _event_counts(con, user, as_of)
    return {
        "subject": subject,
        "as_of": as_of,
        "has_events": events > 0,
        "later": later,
        "absent": sorted(absent_logs(con)),
        "timeline": _rows(con, sql("subject/timeline"), **p),
        "consent_state": _consent_state(con, user, as_of),
        "visibility": _visibility(con, user, as_of),
        "admin": _rows(con, sql("subject/admin"), **p),
        "flows": _flows(con, user, as_of),
        "held": _held(con, user, as_of),
        "transfers": _transfers(con, user, as_of),
        "findings": _findings(con, run, user),
        "requests": requests(con, as_of, user),
        "requests_later": received_after(con, as_of, user),
    }


def _chart(by_month: list[dict[str, Any]], t: Messages) -> Markup | None:
    if not by_month:
        return None

    def draw(ax: Any) -> None:
        from matplotlib.ticker import MaxNLocator

        x = range(len(by_month))
        l2m = [r["l2m"] for r in by_month]
        ax.bar(x, l2m, color="#3b6ea5", label=t("direction.linkedin_to_microsoft"))
        ax.bar(x, [r["m2l"] for r in by_month], bottom=l2m, color="#d98c2b", label=t("direction.microsoft_to_linkedin"))
        ax.set_xticks(list(x), [r["month"] for r in by_month], rotation=45 if len(by_month) > 8 else 0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(t("flows.chart_ylabel"))
        ax.legend(frameon=False, fontsize=7)

    return Markup(svg_chart("subject-flows", draw))


def _css_string(text: str) -> str:
    """A CSS string literal (for the localised page footer); `<` escaped so `</style>` cannot occur."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ") + '"'


def render_html(data: dict[str, Any], config: Config, lang: str = "en") -> str:
    """The report page in `lang`, self-contained (CSS and the chart inline)."""
    t = Messages(lang)
    page_css = Markup("@page { @bottom-right { content: " + _css_string(t("report.page") + " ") + " counter(page) "
                      + _css_string(" " + t("report.page_of") + " ") + " counter(pages); } }")
    return environment().get_template("subject.html.j2").render(
        **data,
        t=t,
        lang=lang,
        config=config,
        chart=_chart(data["flows"]["by_month"], t),
        page_css=page_css,
        generated=generated_at(),
        version=__version__,
    )


def parse_formats(text: str) -> set[str]:
    """The set named by --format, e.g. "html,pdf,json"; an unknown one is a usage error."""
    chosen = {f.strip().lower() for f in text.split(",") if f.strip()}
    if not chosen or chosen - set(FORMATS):
        raise AuditorError(f"--format {text!r}: choose from {', '.join(FORMATS)} (comma-separated)")
    return chosen


def write_subject_report(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    user: str,
    out_dir: Path,
    formats: set[str],
    lang: str = "en",
    as_of: datetime | None = None,
    waivers: WaiverFile | None = None,
) -> list[Path]:
    """Write subject-<id>.html / .pdf / .json for the person named by `user`; return the paths.

    The findings are those of every control at as_of (default: the latest event loaded), from a
    stored run at that very as_of or a new one: never those of whichever check ran last."""
    subject = find_subject(con, user)
    stem = f"subject-{safe_name(subject.user_id)}"
    # The chart and PDF libraries take a second to import: import them in the background while
    # DuckDB counts, and make the JSON while WeasyPrint may still be importing.
    readable = bool(formats & {"html", "pdf"})
    loading = Preload(*([CHART_MODULES] if readable else []), *([PDF_MODULES] if "pdf" in formats else []))
    content: dict[str, str | bytes] = {}
    run = find_or_run(con, config, None, waivers or WaiverFile(), as_of)
    if readable:
        data = report_data(con, subject, run)
        loading.wait(CHART_MODULES)
        content["html"] = render_html(data, config, lang)
    if "json" in formats:
        content["json"] = json.dumps(export(con, subject, run), indent=2, ensure_ascii=False) + "\n"
    if "pdf" in formats:
        loading.wait(PDF_MODULES)
        content["pdf"], _refused = html_to_pdf(content["html"])  # self-contained: nothing to fetch, all refused
    paths = {out_dir / f"{stem}.{fmt}": content[fmt] for fmt in FORMATS if fmt in formats}
    write_all_atomic(paths)  # together: never a new HTML beside an old PDF
    return list(paths)
