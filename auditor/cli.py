"""The `auditor` command line: a thin layer over the stage modules.

Exit codes: 0 clean, 1 findings at or above the chosen severity, 2 bad usage or input.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from auditor import __version__
from auditor.config import Config, load_config, to_toml
from auditor.db import connect
from auditor.errors import AuditorError
from auditor.ingest import LoadResult, SourceFile, load

DEFAULT_DB = "audit.duckdb"


class AuditorGroup(click.Group):
    """Turns a user mistake (AuditorError) into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AuditorError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)


def _config(ctx: click.Context) -> Config:
    return ctx.obj["config"]


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


db_option = click.option(
    "--db",
    "db_path",
    default=DEFAULT_DB,
    show_default=True,
    help="The audit database (a DuckDB file, or :memory:).",
)


def _print_load(console: Console, result: LoadResult, con: Any) -> None:
    table = Table(title="Loaded files", title_justify="left")
    table.add_column("file", no_wrap=True)
    for name in ("read", "loaded", "rejected", "duplicates"):
        table.add_column(name, justify="right")
    for r in result.files:
        if r.skipped:
            table.add_row(r.file, "already loaded (same SHA-256): skipped", "", "", "")
        else:
            table.add_row(r.file, f"{r.rows_read:,}", f"{r.rows_loaded:,}", f"{r.rows_rejected:,}", f"{r.duplicates:,}")
    console.print(table)
    if result.absent:
        console.print(f"Absent optional logs (read as 'no such events'): {', '.join(result.absent)}")
    totals = con.execute(
        "SELECT log, count(*) AS files, sum(rows_loaded), sum(rows_rejected), sum(duplicates) FROM loaded_files GROUP BY log"
    ).fetchall()
    console.print(
        "Database now holds: "
        + "; ".join(f"{log}: {loaded:,} rows from {files} file(s)" for log, files, loaded, _, _ in totals)
    )
    new_files = [r.file for r in result.files if not r.skipped and r.rows_rejected]
    if new_files:
        rows = con.execute(
            "SELECT file, line, column_name, rule, message FROM rejected_rows "
            "WHERE file_id IN (SELECT max(file_id) FROM loaded_files GROUP BY path) "
            "ORDER BY file_id, line LIMIT 10"
        ).fetchall()
        rejected = sum(r.rows_rejected for r in result.files)
        console.print(f"\n{rejected:,} row(s) rejected and kept in table rejected_rows; the first:")
        for file, line, column, rule, message in rows:
            where = f"{file}:{line}" + (f" column {column}" if column else "")
            console.print(f"  {where}: {rule}: {message}", markup=False, highlight=False)


@main.command("load")
@click.argument("input_dir", metavar="INPUT", type=click.Path(path_type=Path))
@db_option
@click.pass_context
def load_cmd(ctx: click.Context, input_dir: Path, db_path: str) -> None:
    """Validate the logs in the folder INPUT and load them into the audit database.

    Each log (users, admin_events, consent_events, access_events, dsr_requests) is a file
    NAME.csv, .csv.gz, .jsonl, .jsonl.gz or .parquet, or a folder NAME/ of such files.
    Rejected rows are kept in the table rejected_rows; exact duplicates are skipped; a file
    already loaded (same SHA-256) is not loaded again.
    """
    config = _config(ctx)
    con = connect(db_path, config)
    console = Console(soft_wrap=True)
    # The bar advances file by file over the bytes to read; it shows only on a terminal.
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("loading", total=None)

        def on_file(src: SourceFile, done: int, total: int) -> None:
            progress.update(task, description=f"loading {src.name}", completed=done, total=total)

        result = load(con, input_dir, config, on_file=on_file)
    _print_load(console, result, con)
    con.close()


@main.command("config")
@click.pass_context
def config_cmd(ctx: click.Context) -> None:
    """Print the effective configuration (defaults merged with auditor.toml) as TOML."""
    click.echo(to_toml(_config(ctx)), nl=False)


@main.command("sample")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write.")
@click.option("--users", default=300, show_default=True, type=click.IntRange(20, None), help="Number of users.")
@click.option("--months", default=3, show_default=True, type=click.IntRange(1, 120), help="Months of logs.")
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

    counts = generate(out_dir, users=users, months=months, start=start, seed=seed, fmt=fmt)
    for name, rows in counts.items():
        click.echo(f"{name}: {rows:,} rows")
    click.echo(f"written to {out_dir}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
