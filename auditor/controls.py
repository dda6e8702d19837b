"""The control catalogue: one SQL file per control in queries/controls/, metadata in its header.

A header is a run of `-- key: value` lines (a line `--   more` continues the previous value):
id, title, severity, articles, promise, description, remediation, and optionally requires (the
optional logs without which the control is not evaluated).
The query returns one row per finding: source, event_id, user_id, occurred_at, arose_at, reason.
Thresholds and as_of are bound as named parameters ($as_of, $admin_roles, ...), never pasted.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from auditor.config import Config
from auditor.errors import AuditorError
from auditor.resources import queries_dir

SEVERITIES = ("high", "medium", "low")
HEADER_KEYS = ("id", "title", "severity", "articles", "promise", "description", "remediation")
FINDING_COLUMNS = ("source", "event_id", "user_id", "occurred_at", "arose_at", "reason")


@dataclass(frozen=True)
class Control:
    """A control: its header fields, its SQL and the SHA-256 of the file."""

    id: str
    title: str
    severity: str
    articles: str
    promise: str
    description: str
    remediation: str
    requires: tuple[str, ...]  # optional logs without which the control cannot be evaluated
    sql: str
    sha256: str
    path: Path


def parse_control(path: Path) -> Control:
    """Read one control file; a missing or bad header key is an error naming the file."""
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    last = None
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        if m := re.match(r"--\s*([a-z_]+):\s*(.*)$", line):
            last = m.group(1)
            header[last] = m.group(2).strip()
        elif last and line.startswith("--  "):
            header[last] += " " + line[2:].strip()
    missing = [k for k in HEADER_KEYS if not header.get(k)]
    if missing:
        raise AuditorError(f"{path}: control header lacks {', '.join(missing)}")
    if header["severity"] not in SEVERITIES:
        raise AuditorError(f"{path}: severity must be one of {', '.join(SEVERITIES)}")
    if header["id"] != path.stem:
        raise AuditorError(f"{path}: id {header['id']!r} differs from the file name")
    return Control(
        **{k: header[k] for k in HEADER_KEYS},
        requires=tuple(r.strip() for r in header.get("requires", "").split(",") if r.strip()),
        sql=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        path=path,
    )


def catalogue(folder: Path | None = None) -> list[Control]:
    """Every control in queries/controls/, by id."""
    folder = folder or queries_dir() / "controls"
    return [parse_control(p) for p in sorted(folder.glob("*.sql"))]


def control_hashes(controls: list[Control]) -> str:
    """The SHA-256 of each control's file, by id, as JSON: what a check run records and reuses."""
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
