"""A control's unit cases: `cases.toml` beside its query.sql, in the manner of dbt's unit tests.

    [defaults.access_events]           # optional: values every given row of that log starts from
    direction = "linkedin_to_microsoft"

    [[case]]
    name = "an access after a disconnect is a finding"
    as_of = 2026-10-31T00:00:00Z       # optional; default: the latest event given, as `auditor check`
    config = {retention_grace_hours = 2}   # optional: [controls] settings of auditor.toml
    expect = ["a2"]                    # the event ids the control finds, no more, no fewer
    [[case.given.access_events]]
    event_id = "a2"
    ...

Each case's rows are written as the CSV files a user would load and go through the real loader
(a row the loader rejects is an error of the case, not a silent absence), then the control's
query runs on them. `findings` runs any SQL in the control's place: tests/test_control_cases.py
runs every control's own, benchmarks/mutation.py its mutants.
"""

from __future__ import annotations

import csv
import tempfile
import tomllib
from dataclasses import dataclass, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from auditor.adapters.snapshots import SNAPSHOTS
from auditor.check import latest_moment
from auditor.config import Config, Controls
from auditor.controls import Control, parameters, strip_header
from auditor.db import connect, run
from auditor.errors import AuditorError
from auditor.ingest import load
from auditor.schema import LOGS, LOGS_BY_NAME


@dataclass(frozen=True)
class Case:
    """One unit case: the rows given per log, the moment, the settings and the expected finding ids."""

    name: str
    given: dict[str, list[dict[str, Any]]]
    expect: frozenset[str]
    as_of: datetime | None = None
    config: Config = Config()


def _config(where: str, overrides: Any) -> Config:
    if not isinstance(overrides, dict):
        raise AuditorError(f"{where}: config is a table of [controls] settings")
    known = {f.name for f in fields(Controls)}
    for key in sorted(set(overrides) - known):
        raise AuditorError(f"{where}: config: unknown key controls.{key}")
    return Config(controls=replace(Controls(), **overrides))


def load_cases(control: Control) -> list[Case]:
    """The cases of a control (none when it has no cases.toml); a malformed one names the file."""
    path = control.path.parent / "cases.toml"
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AuditorError(f"{path}: not valid TOML: {exc}") from None
    defaults = data.get("defaults", {})
    cases = []
    for i, raw in enumerate(data.get("case", []), 1):
        where = f"{path}: case {i} ({raw.get('name', 'unnamed')})"
        if not isinstance(raw.get("name"), str) or not isinstance(raw.get("expect"), list):
            raise AuditorError(f"{where}: a case needs a name and an expect list")
        given = {}
        for log, rows in raw.get("given", {}).items():
            if log not in LOGS_BY_NAME and log != SNAPSHOTS.name:
                raise AuditorError(f"{where}: given an unknown log {log!r}")
            given[log] = [{**defaults.get(log, {}), **row} for row in rows]
        as_of = raw.get("as_of")
        if as_of is not None and not (isinstance(as_of, datetime) and as_of.tzinfo):
            raise AuditorError(f"{where}: as_of must be a date and time with an offset")
        cases.append(Case(raw["name"], given, frozenset(raw["expect"]), as_of, _config(where, raw.get("config", {}))))
    return cases


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def case_database(case: Case, where: str = "case") -> duckdb.DuckDBPyConnection:
    """An in-memory database holding the case's rows, loaded as a user's CSV files would be."""
    con = connect(":memory:", case.config)
    with tempfile.TemporaryDirectory(prefix="auditor-case-") as tmp:
        # A required log the case does not give is loaded empty (its header only).
        required = {log.name: [] for log in LOGS if log.required}
        for log, rows in {**required, **case.given}.items():
            columns = list(dict.fromkeys(k for row in rows for k in row)) or list(LOGS_BY_NAME[log].column_names)
            # linkedin_setting_snapshots (auditor/adapters/snapshots.py) is given like a log.
            with (Path(tmp) / f"{log}.csv").open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(columns)
                writer.writerows([_text(row[c]) if c in row else "" for c in columns] for row in rows)
        result = load(con, Path(tmp), case.config)
    for f in result.files:
        if f.rows_rejected or f.rows_read != f.rows_loaded + f.duplicates:
            con.close()
            raise AuditorError(f"{where}: the loader rejected {f.rows_rejected} given row(s) of {f.log} "
                               "(see `auditor load` on the same rows)")
    return con


def case_parameters(con: duckdb.DuckDBPyConnection, control: Control, case: Case) -> dict[str, object]:
    """The parameters the control's query is bound with in the case's database, as `auditor
    check` binds them (as_of: the case's, else the latest event; no period)."""
    as_of = case.as_of or latest_moment(con)
    return {**parameters(case.config, as_of, [control]), "period_start": None, "period_end": None}


def finding_rows(con: duckdb.DuckDBPyConnection, control: Control, case: Case, sql: str | None = None) -> list[dict[str, Any]]:
    """The rows that `sql` (default: the control's query) returns in the case's database, bound
    by `case_parameters`."""
    cursor = run(con, strip_header(sql or control.sql), case_parameters(con, control, case))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def findings(con: duckdb.DuckDBPyConnection, control: Control, case: Case, sql: str | None = None) -> set[str]:
    """The event ids that `sql` (default: the control's query) finds in the case's database."""
    return {row["event_id"] for row in finding_rows(con, control, case, sql)}


def failures(control: Control) -> list[str]:
    """What goes wrong in the control's cases: one line per case whose findings differ from its
    expect (empty when every case holds)."""
    problems = []
    for case in load_cases(control):
        con = case_database(case, f"{control.path.parent / 'cases.toml'}: {case.name}")
        try:
            got = findings(con, control, case)
        except duckdb.Error as exc:
            problems.append(f"{control.id}: {case.name}: the query fails: {str(exc).splitlines()[0]}")
            continue
        finally:
            con.close()
        if got != case.expect:
            missing, extra = sorted(case.expect - got), sorted(got - case.expect)
            problems.append(f"{control.id}: {case.name}: missing {missing}, not expected {extra}")
    return problems
