"""The `auditor` command line: a thin layer over the stage modules.

Exit codes: 0 clean on complete evidence, 1 findings at or above the chosen severity, 2 bad usage
or input (and a full disk, or any other error the system reports), 3 evidence incomplete (a
control not evaluated or in error, a gap not acknowledged), 130 interrupted (Ctrl-C). Every
error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import io
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
import duckdb
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from auditor import __version__
from auditor.check import duckdb_source, require_evidence, run_check, select_controls, unselected
from auditor.periods import date_period, month_period
from auditor.config import Config, load_config, to_toml
from auditor.controls import Control, catalogue, with_paths
from auditor.db import connect
from auditor.errors import AuditorError
from auditor.files import write_all_atomic
from auditor.i18n import languages
from auditor.ingest import LoadResult, SourceFile, load
from auditor.outputs import print_table, to_csv, to_json, to_junit
from auditor.resources import sql
from auditor.waivers import load_waivers

DEFAULT_DB = "audit.duckdb"


INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
_interrupted = threading.Event()


def _on_sigint(signum: int, frame: Any) -> None:
    """Ctrl-C: remembered, then raised as usual. DuckDB turns it into its own InterruptException,
    which a caller may have wrapped in an AuditorError: the flag says what really happened."""
    _interrupted.set()
    raise KeyboardInterrupt


def _error_line(exc: BaseException) -> str:
    """What went wrong, in one line."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename is not None else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, MemoryError):
        return "out of memory (set a lower [duckdb] memory_limit, or give the machine more memory)"
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class AuditorGroup(click.Group):
    """Turns every failure into one line on stderr and an exit code, never a traceback: a user
    mistake (AuditorError), a file the system would not open or write (a missing folder, no
    permission, a full disk) or a database error are 2; Ctrl-C is 130."""

    def invoke(self, ctx: click.Context) -> Any:
        _interrupted.clear()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, _on_sigint)
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except (KeyboardInterrupt, duckdb.InterruptException):
            self._interrupt(ctx)
        except Exception as exc:
            # Ctrl-C inside a query comes back as whatever DuckDB makes of it (an InterruptException,
            # a RuntimeError "Query interrupted", or either wrapped in an AuditorError).
            if _interrupted.is_set():
                self._interrupt(ctx)
            if not isinstance(exc, (AuditorError, OSError, duckdb.Error, MemoryError)):
                raise
            message = str(exc) if isinstance(exc, AuditorError) else _error_line(exc)
            click.echo(f"error: {message}", err=True)
            ctx.exit(2)

    @staticmethod
    def _interrupt(ctx: click.Context) -> None:
        click.echo("error: interrupted; the database and the files written before are as they were", err=True)
        ctx.exit(INTERRUPTED)


def _config(ctx: click.Context) -> Config:
    return with_paths(ctx.obj["config"], ctx.meta.get("auditor.controls", ()))


def _own_controls(ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]) -> None:
    ctx.meta["auditor.controls"] = value


CONTROLS_HELP = "A folder of own controls (<id>/control.toml, query.sql), run beside the built-in ones (repeatable)."
controls_option = click.option("--controls", "controls_dirs", multiple=True, expose_value=False, callback=_own_controls,
                               type=click.Path(exists=True, file_okay=False, path_type=Path), help=CONTROLS_HELP)


@click.group(cls=AuditorGroup)
@click.version_option(__version__, prog_name="auditor")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Configuration file (default: ./auditor.toml when it exists, else built-in defaults).",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """GDPR audit of the LinkedIn account connections integration of Microsoft 365 / Entra ID.

    Load logs into DuckDB, check them against the controls, and report.
    """
    try:
        ctx.obj = {"config": load_config(config_path)}
    except AuditorError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)


def _open_existing(db_path: str, config: Config, nothing_to: str = "judge") -> Any:
    """Open a database that `auditor load` made for a command that judges (or exports): a missing
    file, or one holding no consent_events or access_events, is a user error."""
    if db_path != ":memory:" and not Path(db_path).exists():
        raise AuditorError(f"{db_path}: no such database (run `auditor load INPUT --db {db_path}` first)")
    con = connect(db_path, config)
    try:
        require_evidence(con, db_path, nothing_to)
    except AuditorError:
        con.close()
        raise
    return con


def _open_logs(db_path: str, config: Config, lake: str | None) -> Any:
    """The database of a judging command; with a lake, its logs are read from the lake (the
    database, created when missing, then holds only the lake's runs)."""
    if lake is None:
        return _open_existing(db_path, config)
    from auditor.lake import attach

    con = connect(db_path, config)
    try:
        # A run judged on a lake is reused by later commands on the same database: a database
        # holding logs of its own would take it for a run of those logs.
        if con.execute(sql("cli/loaded_files")).fetchall()[0][0]:
            raise AuditorError(f"{db_path}: holds loaded logs; with --lake give a database for the lake's runs only (--db)")
        attach(con, lake)
        require_evidence(con, lake)
    except BaseException:
        con.close()
        raise
    return con


lake_option = click.option(
    "--lake", help="Read the logs from this Parquet lake (a folder or URI that `auditor export --parquet` made) "
                   "instead of the database; the run is stored in --db.")


db_option = click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    show_default=True,
    help="The audit database (a DuckDB file, or :memory:).",
)


def _print_load(console: Console, result: LoadResult, con: Any) -> None:
    table = Table(title="Loaded files", title_justify="left")
    table.add_column("file", overflow="fold")
    for name in ("read", "loaded", "rejected", "duplicates"):
        table.add_column(name, justify="right", min_width=len(name))
    for r in result.files:
        if r.skipped:
            table.add_row(r.file, "already loaded (same SHA-256): skipped", "", "", "")
        else:
            table.add_row(r.file, f"{r.rows_read:,}", f"{r.rows_loaded:,}", f"{r.rows_rejected:,}", f"{r.duplicates:,}")
    console.print(table)
    if result.absent:
        console.print(f"Absent optional logs (read as 'no such events'): {', '.join(result.absent)}")
    totals = con.execute(sql("cli/load_totals")).fetchall()
    console.print(
        "Database now holds: "
        + "; ".join(f"{log}: {loaded:,} rows from {files} file(s)" for log, files, loaded, _, _ in totals)
    )
    new_files = [r.file for r in result.files if not r.skipped and r.rows_rejected]
    if new_files:
        rows = con.execute(sql("cli/first_rejections")).fetchall()
        rejected = sum(r.rows_rejected for r in result.files)
        console.print(f"\n{rejected:,} row(s) rejected and kept in table rejected_rows; the first:")
        for file, line, column, rule, message in rows:
            where = f"{file}:{line}" + (f" column {column}" if column else "")
            console.print(f"  {where}: {rule}: {message}", markup=False, highlight=False)
    _print_exports(console, result)


def _print_exports(console: Console, result: LoadResult) -> None:
    """What each real export held: every record is mapped, unmapped (by activity), failed or context."""
    exports = [e for e in result.exports if not e.skipped]
    if exports:
        console.print("\nReal exports (every record is kept in table source_events):", highlight=False)
    for e in exports:
        if e.format == "linkedin_snapshots":
            console.print(f"  {e.file} ({e.format}): {e.records:,} snapshot(s), {e.mapped:,} setting change(s) derived",
                          markup=False, highlight=False)
            continue
        console.print(f"  {e.file} ({e.format}): {e.records:,} record(s) = {e.mapped:,} mapped + {e.unmapped:,} unmapped"
                      f" + {e.failed:,} failed + {e.context:,} role assignment(s)", markup=False, highlight=False)
        for label, rows in (("unmapped", e.unmapped_by_activity), ("failed, kept out of the logs", e.failed_by_activity)):
            if rows:
                items = "; ".join(f"{activity} ({why}): {n:,}" for activity, why, n in rows)
                console.print(f"    {label}: {items}", markup=False, highlight=False)
        if e.note:
            console.print(f"    note: {e.note}", markup=False, highlight=False)
    if result.roles_changed:
        console.print(f"  {result.roles_changed:,} admin event(s) loaded before now have another actor role: the role"
                      " assignments loaded now say who held which role then.", markup=False, highlight=False)
    if result.twins:
        console.print(f"  {result.twins:,} record(s) loaded now are the same change as a record of an export of the other"
                      " format (the same correlation id): one row each, both records kept (table source_twins).",
                      markup=False, highlight=False)
    if result.overlaps:
        console.print(f"  {result.overlaps:,} record(s) loaded now look like a record of an export of the other format (the"
                      " same change, less than a second apart) but share no correlation id with it: kept as two rows,"
                      " under two ids. Load one kind of export for a period.", markup=False, highlight=False)
    if result.ignored:
        console.print(f"Ignored (neither a log nor a recognised export; see --format): {', '.join(result.ignored)}",
                      markup=False, highlight=False)


@main.command("load")
@click.argument("input_dir", metavar="INPUT", type=click.Path(path_type=Path))
@db_option
@click.option("--format", "fmt", default="auto", show_default=True,
              type=click.Choice(["auto", "graph_directory_audit", "m365_audit_csv", "linkedin_snapshots"]),
              help="Read the files in INPUT that can be this export format (by suffix) as this format, "
                   "instead of recognising them by content (auto).")
@click.pass_context
def load_cmd(ctx: click.Context, input_dir: Path, db_path: str, fmt: str) -> None:
    """Validate the logs in the folder INPUT and load them into the audit database.

    Each log (users, admin_events, consent_events, access_events, dsr_requests) is a file
    NAME.csv, .csv.gz, .jsonl, .jsonl.gz or .parquet, or a folder NAME/ of such files.
    Real exports in INPUT (or INPUT itself, when it is one) are recognised by content and
    mapped: Microsoft Graph directoryAudit JSON, the Microsoft 365 audit log CSV and LinkedIn
    setting snapshots. Rejected rows are kept in the table rejected_rows; exact duplicates are
    skipped; a file already loaded (same SHA-256) is not loaded again. A file-level error (a
    missing column, a file cut off in its last record) fails the whole load: the database stays
    as it was, and one the load would have made is not left behind.
    """
    config = _config(ctx)
    # A failed load rolls back, but DuckDB has made the file by then: one the command made is
    # removed (with its write-ahead log), so a failure leaves no empty database behind to be
    # taken for a loaded one. An existing database's log is never touched: it may hold data.
    new = db_path != ":memory:" and not Path(db_path).exists()
    made = [p for p in (Path(db_path), Path(db_path + ".wal")) if new and not p.exists()]
    try:
        con = connect(db_path, config, write=True)
        try:
            _load_and_print(con, input_dir, config, fmt)
        finally:
            con.close()
    except BaseException:
        for path in made:
            path.unlink(missing_ok=True)
        raise


def _load_and_print(con: Any, input_dir: Path, config: Config, fmt: str) -> None:
    """Load INPUT into the open database, with a progress bar on a terminal, and say what it held."""
    console = Console(soft_wrap=True)
    # The bar advances file by file over the bytes to read.
    with _progress(DownloadColumn()) as progress:
        task = progress.add_task("loading", total=None)

        def on_file(src: SourceFile, done: int, total: int) -> None:
            progress.update(task, description=f"loading {src.name}", completed=done, total=total)

        result = load(con, input_dir, config, on_file=on_file, fmt=fmt)
    _print_load(console, result, con)


def _progress(*columns: ProgressColumn) -> Progress:
    """A progress bar on stderr, shown only on a terminal and gone when done."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), *columns, TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty())


def _parse_as_of(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise AuditorError(f"--as-of {text!r}: expected an ISO 8601 timestamp with an offset, e.g. 2026-11-01T00:00:00Z") from None
    if moment.tzinfo is None:
        raise AuditorError(f"--as-of {text!r}: give an offset (Z or +HH:MM)")
    return moment.astimezone(timezone.utc)


@main.command("check")
@db_option
@click.option("--period", help="Reporting month YYYY-MM: as_of is its end, findings that arose in it are kept.")
@click.option("--from", "date_from", help="Start date YYYY-MM-DD of a period (with --to).")
@click.option("--to", "date_to", help="End date YYYY-MM-DD of a period, inclusive (with --from).")
@click.option("--as-of", "as_of_text", help="The audit moment (ISO 8601 with offset); default: the period's end, else the latest event loaded.")
@click.option("--waivers", "waivers_path", type=click.Path(dir_okay=False, path_type=Path), help="waivers.toml to apply.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "junit"]), default="table", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout.")
@click.option("--fail-on", type=click.Choice(["high", "medium", "low", "never"]), default="high", show_default=True,
              help="Exit 1 when an unwaived finding is at or above this severity.")
@click.option("--control", "control_ids", multiple=True, help="Run only this control (repeatable).")
@click.option("--min-severity", type=click.Choice(["high", "medium", "low"]), help="Run only controls at or above this severity.")
@controls_option
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="Who runs the controls: DuckDB, or Apache Spark over --lake (the same SQL, translated).")
@lake_option
@click.option("--findings-to-lake", is_flag=True,
              help="Also write the run (check_runs, control_results, findings) into the --lake, as <table>/run=KEY/.")
@click.pass_context
def check_cmd(ctx: click.Context, db_path: str, period: str | None, date_from: str | None, date_to: str | None,
              as_of_text: str | None, waivers_path: Path | None, fmt: str, output: Path | None, fail_on: str,
              control_ids: tuple[str, ...], min_severity: str | None, engine: str, lake: str | None,
              findings_to_lake: bool) -> None:
    """Run the controls on the loaded logs; report the verdict, the evidence and the findings.

    The verdict is not_compliant (a control failed), incomplete (a control not evaluated or in
    error, or a gap in the access log not acknowledged) or compliant. Exit code 1 when an
    unwaived finding is at or above --fail-on; otherwise 3 when the evidence is incomplete;
    otherwise 0. 2 for bad usage or input.

    Example: auditor check --period 2026-10 --format json --output check-2026-10.json

    Example: auditor check --engine spark --lake lake/ --db runs.duckdb --period 2026-10
    """
    config = _config(ctx)
    if period and (date_from or date_to):
        raise AuditorError("give either --period or --from/--to, not both")
    if bool(date_from) != bool(date_to):
        raise AuditorError("--from and --to go together")
    span = (month_period(period, config.time.report_timezone) if period
            else date_period(date_from, date_to, config.time.report_timezone) if date_from else None)
    controls = select_controls(control_ids, min_severity, config)
    waivers = load_waivers(waivers_path, {c.id for c in catalogue(config)})
    if output and not output.parent.is_dir():  # said before the work, not after
        raise AuditorError(f"{output}: No such file or directory")
    if findings_to_lake:
        from auditor.lake import require_run_writer

        if not lake:
            raise AuditorError("--findings-to-lake writes into the lake the run reads: give --lake")
        require_run_writer(lake, engine == "spark")  # said before the work, not after
    if engine == "spark":
        if not lake:
            raise AuditorError("--engine spark reads a Parquet lake: give --lake (made by `auditor export --parquet`)")
        try:
            from auditor.spark import control_source, on_lake, require_spark
        except ImportError:  # sqlglot, the translator, is in the same extra
            raise AuditorError("--engine spark needs sqlglot and PySpark: pip install 'auditor[spark]'") from None
        require_spark()
    con = _open_logs(db_path, config, lake)
    source, spark = duckdb_source, None
    if engine == "spark":
        with Console(stderr=True).status("starting Spark", spinner="dots"):
            spark = on_lake(config, lake)
        source = control_source(con, spark)
    # The bar advances control by control (at 100M events the controls take minutes).
    with _progress() as progress:
        task = progress.add_task("checking", total=len(controls))

        def on_control(i: int, control: Control) -> None:
            progress.update(task, description=f"checking {control.id}", completed=i)

        result = run_check(con, config, controls, _parse_as_of(as_of_text), span, waivers, on_control,
                           unselected(controls, config), source=source)
    if findings_to_lake:
        from auditor.lake import write_run

        key = write_run(con, lake, result.run_id, spark)
        click.echo(f"wrote the run's check_runs, control_results and findings to {lake} ({key})", err=True)
    if fmt == "table":
        text = io.StringIO()
        print_table(Console(soft_wrap=True, file=text if output else None), con, result)
        text = text.getvalue()
    else:
        text = {"json": to_json, "csv": to_csv, "junit": to_junit}[fmt](con, result)
    con.close()
    if output:
        write_all_atomic({output: text})  # a full disk or Ctrl-C leaves the earlier file, not half a new one
    elif text:
        sys.stdout.write(text)
    ctx.exit(result.exit_code(fail_on))


@main.command("report")
@db_option
@click.option("--period", required=True, help="Reporting month YYYY-MM.")
@click.option("--out", "out_dir", default="reports", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for report-P.html, report-P.pdf and findings-P.csv.")
@click.option("--format", "formats", default="html,pdf", show_default=True, help="Comma-separated: html, pdf.")
@click.option("--waivers", "waivers_path", type=click.Path(dir_okay=False, path_type=Path), help="waivers.toml to apply.")
@click.option("--pseudonymize", is_flag=True,
              help="Replace user ids, emails, names and viewer ids with a keyed hash (key: AUDITOR_PSEUDONYM_KEY "
                   "or report.pseudonymize_key).")
@controls_option
@lake_option
@click.pass_context
def report_cmd(ctx: click.Context, db_path: str, period: str, out_dir: Path, formats: str,
               waivers_path: Path | None, pseudonymize: bool, lake: str | None) -> None:
    """Write the monthly compliance report of a period as HTML and PDF, with every finding in a CSV.

    Uses the period's check run when one exists for the same data, configuration, controls and
    waivers; runs the check otherwise.
    """
    from auditor.report import write_report

    config = _config(ctx)
    chosen = {f.strip().lower() for f in formats.split(",") if f.strip()}
    if not chosen or chosen - {"html", "pdf"}:
        raise AuditorError(f"--format {formats!r}: choose from html, pdf (comma-separated)")
    month_period(period, config.time.report_timezone)  # a bad period is a usage error before any work
    waivers = load_waivers(waivers_path, {c.id for c in catalogue(config)})
    con = _open_logs(db_path, config, lake)
    with Console(stderr=True).status("rendering the report", spinner="dots"):
        files = write_report(con, config, period, out_dir, chosen, waivers, pseudonymize)
    con.close()
    for path in (files.html, files.pdf, files.csv, files.admin_csv):
        if path:
            click.echo(f"wrote {path}")


@main.command("evidence")
@db_option
@click.option("--period", required=True, help="Reporting month YYYY-MM.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The pack to write (.zip).")
@click.option("--include-inputs", is_flag=True, help="Put the input files themselves in the pack (needed for verify --rerun).")
@click.option("--sign-key", type=click.Path(dir_okay=False, path_type=Path), help="Ed25519 private key (PEM) to sign the manifest.")
@click.option("--waivers", "waivers_path", type=click.Path(dir_okay=False, path_type=Path), help="waivers.toml to apply.")
@click.option("--previous", "previous_pack", type=click.Path(dir_okay=False, path_type=Path),
              help="The pack this one follows (default: the latest earlier period's, in --out's folder or the database).")
@controls_option
@lake_option
@click.pass_context
def evidence_cmd(ctx: click.Context, db_path: str, period: str, out: Path, include_inputs: bool,
                 sign_key: Path | None, waivers_path: Path | None, previous_pack: Path | None, lake: str | None) -> None:
    """Pack the evidence of a period: inputs' hashes, control SQL, configuration, waivers,
    findings, reports and the run's metadata, listed with SHA-256 in a (signed) manifest."""
    from auditor.evidence import make_pack, short

    config = _config(ctx)
    span = month_period(period, config.time.report_timezone)
    con = _open_logs(db_path, config, lake)
    with Console(stderr=True).status("packing the evidence", spinner="dots"):
        made = make_pack(con, config, period, span, out, waivers_path, include_inputs, sign_key, previous_pack)
    con.close()
    chain = f"follows {made['previous'].describe()}" if made["previous"] else "the first pack of its chain"
    if made["supersedes"]:
        old = made["supersedes"]
        chain += f"; re-issues {period}, superseding manifest {short(old.manifest_sha256)}" + (f" ({old.file})" if old.file else "")
    click.echo(f"wrote {out}: {made['files']} files, verdict {made['verdict']}, manifest SHA-256 {made['manifest_sha256']}; {chain}")
    for later in made["stale"]:
        # Said at issue time: verifying that pack against this one would otherwise be the first sign.
        click.echo(f"note: {later.describe()} follows the superseded issue of {period}; "
                   f"re-issue {later.period} to follow this one")


@main.command("export")
@db_option
@click.option("--parquet", "folder", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The lake folder to write (created when missing).")
@click.option("--month", "months", multiple=True, help="Export only this month YYYY-MM (UTC; repeatable); default: every month.")
@click.pass_context
def export_cmd(ctx: click.Context, db_path: str, folder: Path, months: tuple[str, ...]) -> None:
    """Write the database's validated logs as a Parquet lake, one folder per log and month.

    A month already in the lake is replaced, every other month is left as it was, so a new
    month is appended without rewriting the earlier ones. The layout is in docs/lake.md;
    `auditor check --engine spark --lake DIR` runs the controls on it.

    Example: auditor export --parquet lake/ --month 2026-10
    """
    from auditor.lake import export

    config = _config(ctx)
    for month in months:
        month_period(month, "UTC")  # a bad month is a usage error before any work
    # A database with nothing loaded (one holding only a lake's runs, say) would replace the
    # lake's users and loaded_files with empty tables: refused.
    con = _open_existing(db_path, config, "export")
    with Console(stderr=True).status("exporting", spinner="dots"):
        written = export(con, folder, months)
    con.close()
    for table, counts in written.items():
        if isinstance(counts, dict):
            text = ", ".join(f"{m}: {n}" for m, n in counts.items()) or "no rows"
            click.echo(f"{table}: {text}")
        else:
            click.echo(f"{table}: {counts} rows")
    click.echo(f"wrote {folder}")


@main.command("verify")
@click.argument("pack", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path), help="The signer's public key (PEM) you trust.")
@click.option("--rerun", is_flag=True, help="Re-load the packed inputs and re-run the packed controls; compare the findings.")
@click.option("--previous", type=click.Path(dir_okay=False, path_type=Path), help="The previous period's pack: check the chain.")
@click.option("--supersedes", type=click.Path(dir_okay=False, path_type=Path),
              help="The earlier issue of the same period: check that this pack re-issues it.")
@click.option("--controls", "controls_dirs", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The folder of own controls the pack was made with, for --rerun (repeatable).")
def verify_cmd(pack: Path, public_key: Path | None, rerun: bool, previous: Path | None, supersedes: Path | None,
               controls_dirs: tuple[Path, ...]) -> None:
    """Verify an evidence pack: every hash, the signature, optionally the chain, a re-issue and a re-run.

    Exit 0 when everything holds and the signature verifies with --public-key (the key you
    trust); 1 with the list of discrepancies; 3 when nothing is wrong but the pack is not
    authenticated (unsigned, or no --public-key given); 2 for bad usage or a pack refused unread.
    A re-run runs this auditor's SQL only, and refuses a pack whose SQL differs from it.
    """
    from auditor.evidence import verify

    result = verify(pack, public_key, rerun, previous, supersedes, controls_dirs)
    for note in result.notes:
        click.echo(f"ok: {note}")
    for problem in result.problems:
        click.echo(f"FAIL: {problem}")
    if not result.ok:
        click.echo(f"{pack}: {len(result.problems)} discrepancy(ies)")
        sys.exit(1)
    if not result.verified:
        click.echo(f"{pack}: not verified: {result.unauthenticated} (its files match its manifest)")
        sys.exit(3)
    click.echo(f"{pack}: verified")
    sys.exit(0)


@main.command("keygen")
@click.option("--out", "out_dir", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path))
def keygen_cmd(out_dir: Path) -> None:
    """Make an Ed25519 key pair for signing evidence packs."""
    from auditor.evidence import keygen

    private, public = keygen(out_dir)
    click.echo(f"wrote {private} (private: keep it secret) and {public} (give it to auditors)")


@main.command("controls")
@click.argument("control_id", required=False)
@controls_option
@click.option("--test", "run_cases", is_flag=True, help="Run the controls' unit cases (cases.toml); exit 1 if one fails.")
@click.pass_context
def controls_cmd(ctx: click.Context, control_id: str | None, run_cases: bool) -> None:
    """List the control catalogue, or show one control's description, promise, remediation and SQL.

    Example: auditor controls --controls ./my-controls --test night-flows
    """
    controls = catalogue(_config(ctx))
    if run_cases:
        from auditor.cases import failures, load_cases

        chosen = [c for c in controls if control_id in (None, c.id)]
        if not chosen:
            raise AuditorError(f"no control {control_id!r} (see `auditor controls`)")
        problems = [p for c in chosen for p in failures(c)]
        for line in problems:
            click.echo(f"fail: {line}")
        n = sum(len(load_cases(c)) for c in chosen)
        click.echo(f"cases: {n - len(problems)} hold, {len(problems)} fail")
        ctx.exit(1 if problems else 0)
    if control_id is None:
        table = Table()
        for name in ("id", "severity", "articles", "title"):
            table.add_column(name, no_wrap=name == "id")
        for c in controls:
            table.add_row(c.id, c.severity, c.articles, c.title)
        Console(soft_wrap=True).print(table)
        return
    control = next((c for c in controls if c.id == control_id), None)
    if control is None:
        raise AuditorError(f"no control {control_id!r} (see `auditor controls`)")
    click.echo(f"{control.id}: {control.title}\nseverity: {control.severity}\nGDPR articles: {control.articles}\n"
               f"promise: {control.promise}\n\n{control.description}\n\nremediation: {control.remediation}\n\n"
               f"-- {control.id}/{control.path.name} (sha256 {control.sha256})\n{control.sql}")


@main.command("config")
@click.pass_context
def config_cmd(ctx: click.Context) -> None:
    """Print the effective configuration (defaults merged with auditor.toml) as TOML."""
    click.echo(to_toml(_config(ctx)), nl=False)


@main.command("sample")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write.")
@click.option("--users", default=300, show_default=True, type=click.IntRange(10, None), help="Number of users.")
@click.option("--months", default=3, show_default=True, type=click.IntRange(3, 600), help="Months of logs (3 at least, so every planted case fits).")
@click.option("--start", default="2026-08", show_default=True, help="First month, YYYY-MM.")
@click.option("--seed", default=7, show_default=True, type=int, help="Random seed; same seed, same files.")
@click.option(
    "--format", "fmt", default="csv", show_default=True, type=click.Choice(["csv", "parquet", "jsonl"]), help="File format."
)
def sample_cmd(out_dir: Path, users: int, months: int, start: str, seed: int, fmt: str) -> None:
    """Write a realistic organisation's logs with planted violations and their answer keys.

    The answer keys are expected_findings.csv (control, event_id) and expected_rejections.csv
    (file, line, rule).
    """
    from auditor.sample import generate

    try:
        counts = generate(out_dir, users=users, months=months, start=start, seed=seed, fmt=fmt)
    except ValueError as exc:
        raise AuditorError(str(exc)) from None
    for name, rows in counts.items():
        click.echo(f"{name}: {rows:,} rows")
    click.echo(f"written to {out_dir}")


@main.command("subject")
@click.argument("user")
@db_option
@click.option("--out", "out_dir", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for subject-<id>.html, .pdf and .json.")
@click.option("--format", "formats", default="html,pdf,json", show_default=True, help="Comma-separated: html, pdf, json.")
@click.option("--lang", type=click.Choice(languages()), default="en", show_default=True,
              help="Language of the HTML and PDF report (one catalogue per language in auditor/messages/).")
@click.option("--as-of", "as_of_text", help="The audit moment (ISO 8601 with offset); default: the latest event loaded.")
@click.option("--waivers", "waivers_path", type=click.Path(dir_okay=False, path_type=Path), help="waivers.toml to apply.")
@controls_option
@click.pass_context
def subject_cmd(ctx: click.Context, user: str, db_path: str, out_dir: Path, formats: str, lang: str,
                as_of_text: str | None, waivers_path: Path | None) -> None:
    """Everything the logs hold about one person (USER: a user id or an email), for GDPR Art. 15 and 20.

    Writes a readable report (HTML, PDF) and a JSON export of every row about the person. Other
    people are never named: recipients are counted, administrators are "an administrator".
    The findings are those every control gives at the report's as_of (a stored check run at that
    very as_of, or a new one), with the coverage of the logs they rest on.

    Example: auditor subject alice@example.com --as-of 2026-11-01T00:00:00Z --lang sv
    """
    from auditor.subject import parse_formats, write_subject_report

    config = _config(ctx)
    chosen = parse_formats(formats)
    as_of = _parse_as_of(as_of_text)
    waivers = load_waivers(waivers_path, {c.id for c in catalogue(config)})
    con = _open_existing(db_path, config)
    try:
        paths = write_subject_report(con, config, user, out_dir, chosen, lang, as_of, waivers)
    finally:
        con.close()
    for path in paths:
        click.echo(f"wrote {path}")


@main.command("dsr")
@db_option
@click.option("--as-of", "as_of_text", help="The audit moment (ISO 8601 with offset); default: the latest event loaded.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--fail-on-overdue", is_flag=True, help="Exit 1 when a request is overdue at as_of (for a scheduled job).")
@click.pass_context
def dsr_cmd(ctx: click.Context, db_path: str, as_of_text: str | None, fmt: str, fail_on_overdue: bool) -> None:
    """The data-subject requests: received, deadline, status and days left, soonest deadline first.

    The deadline is one calendar month after receipt (three when extended). Status at as_of:
    done_in_time, done_late, open or overdue; a completion after as_of counts as open.
    """
    from auditor import dsr
    from auditor.check import absent_logs, latest_moment

    config = _config(ctx)
    as_of = _parse_as_of(as_of_text)
    con = _open_existing(db_path, config)
    try:
        as_of = as_of or latest_moment(con)
        rows = dsr.requests(con, as_of)
        later = dsr.received_after(con, as_of)
        absent = "dsr_requests" in absent_logs(con)
    finally:
        con.close()
    if fmt == "table":
        # A pipe or file has no width: give the table room rather than squeezing its columns away.
        console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
        dsr.print_table(console, rows, as_of, later, absent)
    else:
        click.echo(dsr.to_json(rows, as_of, later) if fmt == "json" else dsr.to_csv(rows), nl=False)
    ctx.exit(1 if fail_on_overdue and any(r["status"] == "overdue" for r in rows) else 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
