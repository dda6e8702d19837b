"""The control catalogue: one folder per control, queries/controls/<id>/.

`control.toml` declares the control (id, title, severity, references, promise, description,
remediation, the logs it requires); `query.sql` is its query, returning one row per finding:
source, event_id, user_id, occurred_at, arose_at, reason.
Thresholds and as_of are bound as named parameters ($as_of, $admin_roles, ...), never pasted.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from auditor.config import Config
from auditor.errors import AuditorError
from auditor.resources import queries_dir

SEVERITIES = ("high", "medium", "low")
TEXT_KEYS = ("id", "title", "severity", "promise", "description", "remediation")
FINDING_COLUMNS = ("source", "event_id", "user_id", "occurred_at", "arose_at", "reason")


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
    sha256: str
    path: Path  # its query.sql
    references: tuple[dict[str, str], ...] = ()


def _reference_text(ref: dict[str, str]) -> str:
    return ref["article"] + "".join(f"({ref[k]})" for k in ("paragraph", "point") if ref.get(k))


def parse_control(folder: Path) -> Control:
    """Read one control folder; a missing or bad key is an error naming the file."""
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
    return Control(
        **{k: decl[k] for k in TEXT_KEYS},
        articles=", ".join(_reference_text(r) for r in refs),
        requires=tuple(decl.get("requires", [])),
        sql=text,
        sha256=hashlib.sha256(toml_bytes + b"\0" + sql_bytes).hexdigest(),
        path=sql_path,
        references=tuple(refs),
    )


def catalogue(folder: Path | None = None) -> list[Control]:
    """Every control in queries/controls/, by id."""
    folder = folder or queries_dir() / "controls"
    return [parse_control(p.parent) for p in sorted(folder.glob("*/control.toml"))]


def control_files(control: Control) -> dict[str, bytes]:
    """A control's declaration and query, by their path in an evidence pack."""
    folder = control.path.parent
    return {f"queries/controls/{control.id}/{name}": (folder / name).read_bytes() for name in ("control.toml", "query.sql")}


def control_hashes(controls: list[Control]) -> str:
    """The SHA-256 of each control's files, by id, as JSON: what a check run records and reuses."""
    return json.dumps({c.id: c.sha256 for c in controls}, sort_keys=True)


def parameters(config: Config, as_of: datetime) -> dict[str, object]:
    """The values a control may bind. Lists are lower-cased: the data is stored lower case."""
    c = config.controls
    return {
        "as_of": as_of,
        "admin_roles": [r.lower() for r in c.admin_roles],
        "calendar_fields": [f.lower() for f in c.calendar_fields],
        "mechanisms": [m.lower() for m in c.transfer_mechanisms],
        "grace_seconds": c.retention_grace_hours * 3600,
        "erasure_days": c.erasure_deadline_days,
    }


def strip_header(sql: str) -> str:
    """The query without trailing semicolons, to nest it as a subquery."""
    return sql.strip().rstrip(";")
