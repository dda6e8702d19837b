"""The control catalogue: one folder per control, queries/controls/<id>/ (and the folders of
controls.paths in auditor.toml or `--controls DIR`).

`control.toml` declares the control: id, title, severity, references, promise, description (what
it tests), remediation, the logs it requires, its parameters, and the finding's sentence per
language. `query.sql` is its query, returning one row per finding: source, event_id, user_id,
occurred_at, arose_at, reason. `cases.toml` holds its unit cases (tests/test_control_cases.py).
Parameters are bound by name ($as_of, $admin_roles, ...), never pasted into the SQL.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from auditor.config import Config
from auditor.errors import AuditorError
from auditor.resources import queries_dir
from auditor.schema import LOGS_BY_NAME

SEVERITIES = ("high", "medium", "low")
TEXT_KEYS = ("id", "title", "severity", "promise", "description", "remediation")
KNOWN_KEYS = {*TEXT_KEYS, "references", "requires", "parameters", "finding"}
FINDING_COLUMNS = ("source", "event_id", "user_id", "occurred_at", "arose_at", "reason")
# Bound for every control by the run itself, never declared.
RUN_PARAMETERS = ("as_of", "period_start", "period_end")
PARAMETER_TYPES = ("text", "integer", "number", "labels", "timestamp")


@dataclass(frozen=True)
class Parameter:
    """A value a control's SQL binds as $name: from a configuration key (`section.key`) when one is
    named, else its default. `labels` is a list of text, lower-cased as the data is stored;
    `scale` multiplies a number (hours in the configuration, seconds in the SQL)."""

    name: str
    type: str
    config: str | None = None
    default: Any = None
    scale: float | None = None

    def value(self, config: Config) -> Any:
        """The bound value under `config`."""
        raw = self.default
        if self.config:
            section, key = self.config.split(".", 1)
            raw = getattr(getattr(config, section), key)
        if self.type == "labels":
            return [str(v).lower() for v in raw]
        if self.type == "number" and self.scale is not None:
            return raw * self.scale
        return raw


@dataclass(frozen=True)
class Control:
    """A control: its declaration, its SQL and the SHA-256 of its files."""

    id: str
    title: str
    severity: str
    articles: str  # the references as one line: "6(1)(a), 7(1)"
    promise: str
    description: str
    remediation: str
    requires: tuple[str, ...]  # logs without which the control cannot be evaluated
    sql: str
    sha256: str  # of query.sql: what the report prints, and `sha256sum query.sql` shows
    path: Path  # its query.sql
    references: tuple[dict[str, str], ...] = ()
    parameters: tuple[Parameter, ...] = ()
    finding: tuple[tuple[str, str], ...] = ()  # (language, the finding's sentence for the data subject)
    declaration_sha256: str = ""  # of control.toml (its parameters' defaults decide results too)

    def finding_text(self, lang: str) -> str | None:
        """The finding's sentence in `lang`, if the control has one."""
        return dict(self.finding).get(lang)


def reference_text(ref: dict[str, str]) -> str:
    """A reference as it is cited: article 5, paragraph 1, point c is "5(1)(c)"."""
    return ref["article"] + "".join(f"({ref[k]})" for k in ("paragraph", "point") if ref.get(k))


def _parameter(where: Path, name: str, decl: Any) -> Parameter:
    if not isinstance(decl, dict) or decl.get("type") not in PARAMETER_TYPES:
        raise AuditorError(f"{where}: parameters.{name}: type must be one of {', '.join(PARAMETER_TYPES)}")
    unknown = set(decl) - {"type", "config", "default", "scale"}
    if unknown:
        raise AuditorError(f"{where}: parameters.{name}: unknown key {sorted(unknown)[0]!r}")
    if name in RUN_PARAMETERS:
        raise AuditorError(f"{where}: parameters.{name}: ${name} is bound by the run itself")
    param = Parameter(name, decl["type"], decl.get("config"), decl.get("default"), decl.get("scale"))
    if param.config is not None:
        section, _, key = str(param.config).partition(".")
        if not hasattr(getattr(Config(), section, None), key) or key == "":
            raise AuditorError(f"{where}: parameters.{name}: no configuration key {param.config!r}")
        return param
    value = param.default
    ok = {
        "text": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "labels": isinstance(value, list) and all(isinstance(v, str) for v in value),
        "timestamp": isinstance(value, datetime) and value.tzinfo is not None,
    }[param.type]
    if not ok:
        raise AuditorError(f"{where}: parameters.{name}: needs a config key or a default of type {param.type}"
                           + (" (with a UTC offset)" if param.type == "timestamp" else ""))
    return param


def parse_control(folder: Path) -> Control:
    """Read one control folder; a missing or bad declaration is an error naming the file."""
    toml_path, sql_path = folder / "control.toml", folder / "query.sql"
    try:
        toml_bytes, sql_bytes = toml_path.read_bytes(), sql_path.read_bytes()
    except OSError as exc:
        raise AuditorError(f"{exc.filename}: cannot read the control: {exc.strerror}") from None
    try:
        decl: dict[str, Any] = tomllib.loads(toml_bytes.decode("utf-8"))
        text = sql_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise AuditorError(f"{folder}: a control file is not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise AuditorError(f"{toml_path}: not valid TOML: {exc}") from None
    unknown = sorted(set(decl) - KNOWN_KEYS)
    if unknown:
        raise AuditorError(f"{toml_path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KNOWN_KEYS))})")
    missing = [k for k in TEXT_KEYS if not isinstance(decl.get(k), str) or not decl[k].strip()]
    if missing:
        raise AuditorError(f"{toml_path}: control lacks {', '.join(missing)}")
    if decl["severity"] not in SEVERITIES:
        raise AuditorError(f"{toml_path}: severity must be one of {', '.join(SEVERITIES)}")
    if decl["id"] != folder.name:
        raise AuditorError(f"{toml_path}: id {decl['id']!r} differs from the folder name")
    refs = decl.get("references", [])
    if not refs or not all(isinstance(r, dict) and isinstance(r.get("article"), str) for r in refs):
        raise AuditorError(f"{toml_path}: references must be a list like [{{law = \"GDPR\", article = \"17\"}}]")
    requires = decl.get("requires", [])
    for log in requires:
        if log not in LOGS_BY_NAME:
            raise AuditorError(f"{toml_path}: requires an unknown log {log!r} (known: {', '.join(LOGS_BY_NAME)})")
    params = tuple(_parameter(toml_path, n, d) for n, d in dict(decl.get("parameters", {})).items())
    declared = {*RUN_PARAMETERS, *(p.name for p in params)}
    for name in sorted(set(re.findall(r"\$(\w+)", text)) - declared):
        raise AuditorError(f"{sql_path}: ${name} is not a declared parameter of {toml_path.name}")
    finding = decl.get("finding", {})
    if not isinstance(finding, dict) or not all(isinstance(v, str) for v in finding.values()):
        raise AuditorError(f"{toml_path}: [finding] holds one sentence per language: en = \"...\"")
    return Control(
        **{k: decl[k] for k in TEXT_KEYS},
        articles=", ".join(reference_text(r) for r in refs),
        requires=tuple(requires),
        sql=text,
        sha256=hashlib.sha256(sql_bytes).hexdigest(),
        declaration_sha256=hashlib.sha256(toml_bytes).hexdigest(),
        path=sql_path,
        references=tuple(refs),
        parameters=params,
        finding=tuple(sorted(finding.items())),
    )


def builtin_dir() -> Path:
    """The folder of the built-in controls."""
    return queries_dir() / "controls"


def control_folders(root: Path) -> list[Path]:
    """The control folders in `root` (each with a control.toml), by name; `root` itself when it
    is one control's folder."""
    if not root.is_dir():
        raise AuditorError(f"{root}: no such folder of controls")
    if (root / "control.toml").is_file():
        return [root]
    return sorted(p.parent for p in root.glob("*/control.toml"))


def catalogue(config: Config | None = None) -> list[Control]:
    """Every built-in control, then those of the folders in `config`'s controls.paths, by id.
    An id given twice, or a parameter declared twice with different bindings, is an error."""
    folders = control_folders(builtin_dir())
    for extra in (config.controls.paths if config else []):
        found = control_folders(Path(extra))
        if not found:
            raise AuditorError(f"{extra}: no control folder (<id>/control.toml) in it")
        folders += found
    controls = [parse_control(f) for f in folders]
    seen: dict[str, Control] = {}
    bindings: dict[str, tuple[Parameter, Control]] = {}
    for c in controls:
        if c.id in seen:
            raise AuditorError(f"{c.path.parent / 'control.toml'}: control id {c.id!r} is already {seen[c.id].path.parent}")
        seen[c.id] = c
        for p in c.parameters:
            other = bindings.setdefault(p.name, (p, c))
            if other[0] != p:
                raise AuditorError(f"{c.path.parent / 'control.toml'}: parameters.{p.name} is declared differently "
                                   f"by {other[1].id}")
    return sorted(controls, key=lambda c: c.id)


def control_files(control: Control) -> dict[str, bytes]:
    """A control's declaration and query, by their path in an evidence pack."""
    folder = control.path.parent
    return {f"queries/controls/{control.id}/{name}": (folder / name).read_bytes() for name in ("control.toml", "query.sql")}


def control_hashes(controls: list[Control]) -> str:
    """The SHA-256 of each control's files, by id, as JSON: what a check run records and reuses."""
    return json.dumps({c.id: {"control.toml": c.declaration_sha256, "query.sql": c.sha256} for c in controls},
                      sort_keys=True)


def parameters(config: Config, as_of: datetime, controls: list[Control] | None = None) -> dict[str, object]:
    """as_of and the value of every parameter the controls declare (default: the catalogue's)."""
    values: dict[str, object] = {"as_of": as_of}
    for c in controls if controls is not None else catalogue(config):
        values.update((p.name, p.value(config)) for p in c.parameters)
    return values


def with_paths(config: Config, folders: tuple[Path, ...] | list[Path]) -> Config:
    """`config` with more folders of own controls (`--controls DIR`)."""
    if not folders:
        return config
    paths = [*config.controls.paths, *(str(f) for f in folders)]
    return replace(config, controls=replace(config.controls, paths=paths))


def strip_header(sql: str) -> str:
    """The query without trailing semicolons, to nest it as a subquery."""
    return sql.strip().rstrip(";")
