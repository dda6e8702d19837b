"""`auditor.toml`: every setting with its default.

The file is optional; a key it leaves out keeps its default. An unknown section or key, or a
value of the wrong type, is a user error (AuditorError), so a typo never passes silently.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import zoneinfo
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from auditor.errors import AuditorError
from auditor.files import read_regular

DEFAULT_FILE = "auditor.toml"


@dataclass(frozen=True)
class Organisation:
    name: str = "Example Organisation"
    classification: str = "Confidential"


@dataclass(frozen=True)
class Controls:
    admin_roles: list[str] = field(default_factory=lambda: ["global_administrator", "user_administrator"])
    calendar_fields: list[str] = field(
        default_factory=lambda: ["start", "end", "timezone", "location", "attendees", "organizer"]
    )
    transfer_mechanisms: list[str] = field(default_factory=lambda: ["dpf", "scc", "bcr"])
    retention_grace_hours: float = 0.0
    erasure_deadline_days: int = 30
    disabled: list[str] = field(default_factory=list)  # control ids turned off: not_evaluated, said in every output
    paths: list[str] = field(default_factory=list)  # folders of own controls (<id>/control.toml, query.sql), beside the built-in ones


@dataclass(frozen=True)
class Coverage:
    max_gap_hours: float = 72.0  # a stretch of expected activity with no access event longer than this is a gap


@dataclass(frozen=True)
class Report:
    pseudonymize_key: str = ""  # secret for --pseudonymize; the AUDITOR_PSEUDONYM_KEY variable wins
    group_names: dict[str, str] = field(default_factory=dict)  # group object id -> name shown in reports
    prepared_by: str = ""  # names printed under the sign-off lines of the monthly report (blank lines when empty)
    reviewed_by: str = ""
    approved_by: str = ""


@dataclass(frozen=True)
class Owners:
    """Who must fix a failed control, and by when: by control id first, else by severity."""

    by_control: dict[str, str] = field(default_factory=dict)
    by_severity: dict[str, str] = field(default_factory=dict)
    due_days: int = 30  # the due date is this many days after the period's end


@dataclass(frozen=True)
class Time:
    report_timezone: str = "UTC"
    naive_timezone: str = ""


@dataclass(frozen=True)
class Sources:
    """How real exports (auditor/adapters) map to the canonical logs."""

    linkedin_app_ids: list[str] = field(default_factory=list)  # app (client) or service principal ids of the LinkedIn apps
    selected_group_id: str = ""  # object id of the group selected for LinkedIn account connections
    consent_scope: str = "bidirectional"  # scope of a connect read from a consent grant
    roles: dict[str, str] = field(
        default_factory=lambda: {
            "Global Administrator": "global_administrator",
            "Company Administrator": "global_administrator",
            "User Administrator": "user_administrator",
        }
    )  # directory role name -> actor_role
    role_holders: dict[str, str] = field(default_factory=dict)  # user object id or UPN -> directory role name
    snapshot_role: str = "global_administrator"  # actor_role of a change seen only in setting snapshots


@dataclass(frozen=True)
class DuckDB:
    memory_limit: str = ""
    threads: int = 0


@dataclass(frozen=True)
class Spark:
    """`--engine spark`: where Spark runs. SPARK_MASTER in the environment wins over master;
    SPARK_REMOTE (Spark Connect) over both."""

    master: str = ""  # e.g. local[2], spark://host:7077, yarn; empty: PySpark's default (or spark-submit's)
    app_name: str = "auditor"
    conf: dict[str, str] = field(default_factory=dict)  # Spark settings, e.g. {"spark.executor.memory" = "8g"}
    log_level: str = "ERROR"  # Spark's own log on stderr: WARN or INFO to see more


@dataclass(frozen=True)
class Config:
    organisation: Organisation = field(default_factory=Organisation)
    controls: Controls = field(default_factory=Controls)
    coverage: Coverage = field(default_factory=Coverage)
    owners: Owners = field(default_factory=Owners)
    time: Time = field(default_factory=Time)
    report: Report = field(default_factory=Report)
    sources: Sources = field(default_factory=Sources)
    duckdb: DuckDB = field(default_factory=DuckDB)
    spark: Spark = field(default_factory=Spark)
    source: str = "defaults"

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """The settings, section by section (without where they came from)."""
        return {f.name: asdict(getattr(self, f.name)) for f in fields(self) if f.name != "source"}

    def digest(self) -> str:
        """SHA-256 of the effective settings (without secrets), to tie a result to its configuration."""
        settings = self.as_dict()
        del settings["spark"]  # where the controls run is not what they judge: a run is reused across engines
        for section, key in SECRETS:
            settings[section][key] = bool(settings[section][key])
        text = json.dumps(settings, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


_SECTION_TYPES = {
    "organisation": Organisation, "controls": Controls, "coverage": Coverage, "owners": Owners, "time": Time, "report": Report, "sources": Sources, "duckdb": DuckDB, "spark": Spark,
}
SECRETS = {("report", "pseudonymize_key")}


def _check_value(where: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, list):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif isinstance(default, dict):
        ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    else:
        ok = isinstance(value, str)
    if not ok:
        raise AuditorError(f"{where}: expected {type(default).__name__}, got {value!r}")
    if isinstance(default, float):
        value = float(value)
    if isinstance(default, int) and not isinstance(default, bool) and value < 0:
        raise AuditorError(f"{where}: must not be negative, got {value!r}")
    return value


def load_config(path: Path | None = None) -> Config:
    """Read the configuration from `path`, or from ./auditor.toml when it exists, else defaults."""
    if path is None:
        path = Path(DEFAULT_FILE)
        if not path.exists():
            return Config()
    try:
        data = tomllib.loads(read_regular(path, "configuration file").decode("utf-8"))
    except FileNotFoundError:
        raise AuditorError(f"{path}: configuration file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AuditorError(f"{path}: not valid TOML: {exc}") from None

    sections: dict[str, Any] = {}
    for name, values in data.items():
        cls = _SECTION_TYPES.get(name)
        if cls is None:
            raise AuditorError(f"{path}: unknown section [{name}] (known: {', '.join(_SECTION_TYPES)})")
        if not isinstance(values, dict):
            raise AuditorError(f"{path}: {name} must be a section")
        defaults = cls()
        known = {f.name for f in fields(cls)}
        checked = {}
        for key, value in values.items():
            if key not in known:
                raise AuditorError(f"{path}: unknown key {name}.{key} (known: {', '.join(sorted(known))})")
            checked[key] = _check_value(f"{path}: {name}.{key}", value, getattr(defaults, key))
        sections[name] = cls(**checked)
    config = Config(**sections, source=str(path))
    for key in ("report_timezone", "naive_timezone"):
        tz = getattr(config.time, key)
        if tz:
            try:
                zoneinfo.ZoneInfo(tz)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise AuditorError(f"{path}: time.{key}: unknown timezone {tz!r}") from None
    if config.sources.consent_scope not in ("bidirectional", "linkedin_only"):
        raise AuditorError(f"{path}: sources.consent_scope: expected bidirectional or linkedin_only")
    if config.controls.paths:  # a folder of own controls is named relative to the file that names it
        paths = [str(path.parent / p) for p in config.controls.paths]
        config = replace(config, controls=replace(config.controls, paths=paths))
    return config


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def to_toml(config: Config) -> str:
    """The effective configuration as TOML text, loadable again with load_config."""
    lines = [f"# effective configuration (from {config.source})"]
    for section, values in config.as_dict().items():
        lines.append(f"\n[{section}]")
        lines.extend(
            f"{key} = {_toml_value('(set, not shown)' if value and (section, key) in SECRETS else value)}"
            for key, value in values.items()
        )
    return "\n".join(lines) + "\n"
