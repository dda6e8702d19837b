"""`auditor check`: run the controls at an as_of, record the run and its findings.

as_of is the audit's moment (controls.md): the end of the period when one is given, else the
latest occurred_at / received_at loaded, unless given explicitly. With a period, only findings
that arose in it are kept, judged against the whole loaded history.

A period run judges only the access events that can give such a finding (queries/window/):
a month costs about a month, not the whole history, and its findings are the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import duckdb

from auditor import __version__
from auditor.config import Config
from auditor.controls import FINDING_COLUMNS, SEVERITIES, Control, catalogue, control_hashes, parameters, strip_header
from auditor.coverage import LOGS, Evidence, assess, from_stored, run_window, stored
from auditor.db import iso, run, stored_catalog
from auditor.errors import AuditorError
from auditor.load.files import held_logs
from auditor.periods import Period
from auditor.resources import sql
from auditor.waivers import Waiver, WaiverFile


STATUSES = ("pass", "fail", "waived", "not_evaluated", "error")

# The controls whose finding can still be open after the month it arose in, and so be carried
# over into a later period's: those queries/carried_over.sql names.
CARRIED = ("session-retention", "contacts-deletion", "dsr-deadline")

# A period's check reads the copies held at its start from the table itself only for the week
# before; older ones are in access_held, which keeps the rows held longer (views.sql held_long,
# whose microseconds say the same week).
HELD_FOR = timedelta(days=7)


class ControlError(Exception):
    """A control another engine (auditor.spark) could not run: its status is error, as for a
    DuckDB error."""


# Where a control's findings are read from: the SQL of a query in the audit database. By
# default the control's own query, run by DuckDB; --engine spark gives the rows Spark found.
ControlSource = Callable[[Control, dict[str, object]], str]


def duckdb_source(control: Control, params: dict[str, object]) -> str:
    return strip_header(control.sql)


@dataclass
class ControlResult:
    control: Control
    status: str  # one of STATUSES
    findings: int = 0
    waived: int = 0
    reason: str | None = None  # why not_evaluated, or the database's error
    carried_over: int = 0  # findings that arose before the period and are still open at its end
    carried_over_waived: int = 0

    @property
    def unwaived(self) -> int:
        """Findings not waived, the period's own and those carried over."""
        return self.findings - self.waived + self.carried_over - self.carried_over_waived


@dataclass
class CheckRun:
    run_id: int
    as_of: datetime
    period: Period | None
    results: list[ControlResult]
    evidence: Evidence
    waivers: WaiverFile = field(default_factory=WaiverFile)  # the file applied (its gap acknowledgements too)
    since: datetime | None = None  # findings arising before it were not kept, but those carried over

    @property
    def active_waivers(self) -> list[Waiver]:
        return self.waivers.at(self.as_of)[0]

    @property
    def expired_waivers(self) -> list[Waiver]:
        return self.waivers.at(self.as_of)[1]

    @property
    def incomplete(self) -> bool:
        """Whether the evidence falls short: a control not evaluated or in error, or a gap not acknowledged."""
        return any(r.status in ("not_evaluated", "error") for r in self.results) or bool(self.evidence.unacknowledged)

    @property
    def verdict(self) -> str:
        """not_compliant on any failing control; else incomplete when the evidence falls short; else compliant."""
        if any(r.status == "fail" for r in self.results):
            return "not_compliant"
        return "incomplete" if self.incomplete else "compliant"

    def shortfall(self) -> list[str]:
        """Why the evidence is incomplete, in words (empty when it is not)."""
        out = [f"{r.control.id}: {r.status.replace('_', ' ')} ({r.reason})" for r in self.results
               if r.status in ("not_evaluated", "error")]
        out += [f"gap {iso(g.start)} .. {iso(g.end)} ({g.hours:g} h) not acknowledged" for g in self.evidence.unacknowledged]
        return out

    def exit_code(self, fail_on: str) -> int:
        """1 when an unwaived finding is at or above fail_on; else 3 when the evidence is incomplete; else 0."""
        return 1 if self.failing(fail_on) else 3 if self.incomplete else 0

    def failing(self, fail_on: str) -> bool:
        """Whether an unwaived finding is at or above the severity `fail_on` ('never': no)."""
        if fail_on == "never":
            return False
        levels = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
        return any(r.unwaived and r.control.severity in levels for r in self.results)


def latest_moment(con: duckdb.DuckDBPyConnection) -> datetime:
    """The default as_of: the latest occurred_at (received_at for requests) loaded."""
    latest = con.execute(sql("check/latest_moment")).fetchone()[0]
    if latest is None:
        raise AuditorError("the database holds no events: run `auditor load INPUT` first")
    return latest


def absent_logs(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The logs of which no file was ever loaded (a real export provides the logs it maps to)."""
    return set(LOGS) - held_logs(con)


def require_evidence(con: duckdb.DuckDBPyConnection, path: str, nothing_to: str = "judge") -> None:
    """Refuse a database into which no consent_events or access_events was ever loaded: it holds
    no evidence, and every control would 'pass' on nothing."""
    if {"consent_events", "access_events"} <= absent_logs(con):
        raise AuditorError(f"{path}: no consent_events or access_events was ever loaded: nothing to {nothing_to} "
                           "(run `auditor load INPUT` first)")


def select_controls(ids: tuple[str, ...] = (), min_severity: str | None = None,
                    config: Config | None = None) -> list[Control]:
    """The catalogue (with `config`'s own controls), or the named controls, at or above a severity."""
    controls = catalogue(config)
    known = {c.id for c in controls}
    for unknown in sorted(set(ids) - known):
        raise AuditorError(f"--control {unknown!r}: no such control (see `auditor controls`)")
    if ids:
        controls = [c for c in controls if c.id in ids]
    if min_severity:
        levels = SEVERITIES[: SEVERITIES.index(min_severity) + 1]
        controls = [c for c in controls if c.severity in levels]
    return controls


def unselected(controls: list[Control], config: Config | None = None) -> list[Control]:
    """The catalogue's controls (with `config`'s own controls) that are not among `controls`."""
    chosen = {c.id for c in controls}
    return [c for c in catalogue(config) if c.id not in chosen]


def run_check(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    controls: list[Control],
    as_of: datetime | None = None,
    period: Period | None = None,
    waivers: WaiverFile | None = None,
    on_control: Callable[[int, Control], None] | None = None,
    unselected: Sequence[Control] = (),
    since: datetime | None = None,
    source: ControlSource = duckdb_source,
) -> CheckRun:
    """Run `controls`, store the run in check_runs / control_results / findings, return it.

    `unselected` are the catalogue's other controls: listed as not_evaluated, since a run of
    some controls cannot say the rest hold. `on_control(i, control)` is called before the i-th
    control (from 0) runs, for progress. With a period, the findings arising from `since` (by
    default the period's start; a report asks for its trend's months too) to the period's end
    are kept, with those carried over into it; the controls judge only the access events that
    can give them."""
    disabled = set(config.controls.disabled)
    for unknown in sorted(disabled - {c.id for c in [*controls, *unselected]}):
        raise AuditorError(f"controls.disabled: no control {unknown!r} (see `auditor controls`)")
    if as_of is None:
        as_of = period.end if period else latest_moment(con)
    since = _kept_since(period, since)
    waivers = waivers or WaiverFile()
    run_id = con.execute(
        sql("check/start_run"),
        [
            as_of,
            period.start if period else None,
            period.end if period else None,
            since,
            config.digest(),
            control_hashes(controls),
            waivers.sha256,
            __version__,
            duckdb.__version__,
            datetime.now(timezone.utc),
        ],
    ).fetchone()[0]
    params = {
        **parameters(config, as_of, controls),
        "run_id": run_id,
        "period_start": period.start if period else None,
        "period_end": period.end if period else None,
        "since": since,
    }
    try:
        _store_waivers(con, waivers.at(as_of)[0])
        with _access_window(con, since, as_of, max(as_of, period.end) if period else as_of):
            results = _run_controls(con, controls, params, disabled, on_control, source)
        _add_carried_over(con, results, run_id, as_of, period)
        for r in results:
            if r.status == "pass":
                total, total_waived = r.findings + r.carried_over, r.waived + r.carried_over_waived
                r.status = "pass" if total == 0 else "waived" if total_waived == total else "fail"
        results += [ControlResult(c, "not_evaluated", reason="not selected (--control, --min-severity)") for c in unselected]
        con.executemany(
            sql("check/control_result"),
            [[run_id, r.control.id, r.control.severity, r.status, r.findings, r.waived, r.reason] for r in results],
        )
        evidence = evidence_of(con, config, as_of, period, waivers)
        con.execute(sql("check/store_evidence"), [run_id, stored(evidence)])
        con.execute(sql("check/finish_run"), [datetime.now(timezone.utc), run_id])
    except BaseException:
        _discard_run(con, run_id)
        raise
    return CheckRun(run_id, as_of, period, results, evidence, waivers, since)


def _kept_since(period: Period | None, since: datetime | None) -> datetime | None:
    """The earliest arose_at a run keeps: `since`, never later than the period's start (None, all,
    without a period)."""
    if period is None:
        return None
    return period.start if since is None or since > period.start else since


@contextmanager
def _access_window(con: duckdb.DuckDBPyConnection, since: datetime | None, as_of: datetime,
                   until: datetime) -> Iterator[None]:
    """While the controls run, access_events holds only the rows that can give a finding arising
    from `since` on, or one carried over (queries/window/); without `since`, or when the logs
    are a lake's views, all of them."""
    if since is None or con.execute(sql("window/shadowed")).fetchone()[0]:
        yield
        return
    try:
        # The stored table by its catalog's name: in the view, `main.access_events` would be the view.
        catalog = stored_catalog(con)
        held = min(since, as_of)
        run(con, sql("window/bounds"), {"since": since, "as_of": as_of, "until": until})
        run(con, sql("window/older").replace("stored.", catalog),
            {"since": since, "until": until, "held": held, "recent": held - HELD_FOR})
        con.execute(sql("window/view").replace("stored.", catalog))
        yield
    finally:
        for statement in sql("window/drop").split(";"):
            con.execute(statement)


def _discard_run(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Remove what an interrupted or failed run stored. Never used anyway (find_or_run takes
    finished runs only), it would still sit in the database as a run that never was. Best
    effort: on a second Ctrl-C or a broken connection the unfinished row stays, and is ignored."""
    try:
        for table in ("findings", "control_results", "run_evidence", "check_runs"):
            con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
    except (duckdb.Error, KeyboardInterrupt):
        pass


def _run_controls(con: duckdb.DuckDBPyConnection, controls: list[Control], params: dict[str, object],
                  disabled: set[str], on_control: Callable[[int, Control], None] | None,
                  source: ControlSource = duckdb_source) -> list[ControlResult]:
    """Run each control of a run; a control the database cannot run is in error, the rest go on.
    An interruption (Ctrl-C) is not an error of the control: it stops the run."""
    absent = absent_logs(con)
    results = []
    for i, control in enumerate(controls):
        if on_control:
            on_control(i, control)
        missing = [log for log in control.requires if log in absent]
        if control.id in disabled:
            results.append(ControlResult(control, "not_evaluated", reason="disabled in auditor.toml"))
            continue
        if missing:
            results.append(ControlResult(control, "not_evaluated", reason=f"no {' or '.join(missing)} loaded"))
            continue
        try:
            counts = _run_one(con, control, {**params, "control": control.id, "severity": control.severity}, source)
        except duckdb.InterruptException:
            raise
        except (duckdb.Error, ControlError) as exc:
            results.append(ControlResult(control, "error", reason=str(exc).strip().splitlines()[0]))
            continue
        found, waived = counts
        # Its status is settled once the findings carried over from before the period are counted.
        results.append(ControlResult(control, "pass", found, waived))
    return results


def evidence_of(con: duckdb.DuckDBPyConnection, config: Config, as_of: datetime, period: Period | None,
                waivers: WaiverFile) -> Evidence:
    """The coverage of the window a run at as_of (of a period, or of the whole history) judges."""
    window = run_window(con, as_of, *((period.start, period.end) if period else ()))
    return assess(con, config, window, as_of, waivers)


def carried_over_sql() -> str:
    """SQL of the run's findings that arose before its period and are still open at its as_of."""
    return sql("carried_over")


def _add_carried_over(con: duckdb.DuckDBPyConnection, results: list[ControlResult], run_id: int, as_of: datetime,
                      period: Period | None) -> None:
    """Count each control's carried-over findings (a run without a period has none: every
    finding up to as_of is its own)."""
    if period is None:
        return
    counts = {c: (n, w) for c, n, w in run(
        con, sql("check/carried_over_counts").format(carried_over=carried_over_sql()),
        {"run": run_id, "as_of": as_of}).fetchall()}
    for r in results:
        r.carried_over, r.carried_over_waived = counts.get(r.control.id, (0, 0))


def _store_waivers(con: duckdb.DuckDBPyConnection, waivers: list[Waiver]) -> None:
    con.execute(sql("check/waivers"))
    if waivers:
        con.executemany(
            sql("check/add_waiver"),
            [[n, w.control, w.event_id, w.user_id, json.dumps(w.as_dict())] for n, w in enumerate(waivers)],
        )


def _run_one(con: duckdb.DuckDBPyConnection, control: Control, params: dict[str, object],
             source: ControlSource = duckdb_source) -> tuple[int, int]:
    """Insert one control's findings (each row once) with their waiver; count the period's.

    With a period, a finding that arose after its end is not kept: it is in no month the run
    reports (its own, or the trend of the months before). Such are the rows dated after as_of
    (log-integrity names each), which a month's run of a year of logs has by the million.
    Filtering before DISTINCT ON keeps the same rows (a row's earliest finding is kept if any
    is) and lets DuckDB skip building those findings at all. One that arose before `since` is
    kept only when it may be carried over (CARRIED): after DISTINCT ON, since the finding of an
    id is its earliest version's.
    """
    columns = ", ".join(FINDING_COLUMNS)
    run(con, sql("check/findings").format(columns=columns, f_columns=", ".join("f." + c for c in FINDING_COLUMNS),
                                          control_sql=source(control, params)),
        {**params, "carried": control.id in CARRIED})
    return con.execute(
        sql("check/period_counts"),
        [params["run_id"], control.id],
    ).fetchone()


def find_or_run(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    period: Period | None,
    waivers: WaiverFile,
    as_of: datetime | None = None,
    since: datetime | None = None,
) -> CheckRun:
    """The latest finished run of every control for this period (or, without one, at this as_of),
    made after the last load with the same configuration, controls and waivers, that kept the
    findings arising from `since` on (see run_check); or a new run."""
    controls = catalogue(config)
    if period is None and as_of is None:
        as_of = latest_moment(con)
    since = _kept_since(period, since)
    row = con.execute(
        sql("check/reusable_run"),
        [period.start if period else None, period.end if period else None, as_of, as_of, since, config.digest(),
         control_hashes(controls), waivers.sha256],
    ).fetchone()
    if row is None:
        return run_check(con, config, controls, as_of, period, waivers, since=since)
    run_id, as_of, since = row
    by_id = {c.id: c for c in controls}
    results = [
        ControlResult(by_id[cid], status, found, waived, reason)
        for cid, status, found, waived, reason in con.execute(
            sql("check/control_results"),
            [run_id],
        ).fetchall()
    ]
    _add_carried_over(con, results, run_id, as_of, period)
    kept = con.execute(sql("check/run_evidence"), [run_id]).fetchone()
    evidence = from_stored(kept[0], waivers, as_of) if kept else evidence_of(con, config, as_of, period, waivers)
    return CheckRun(run_id, as_of, period, results, evidence, waivers, since)
