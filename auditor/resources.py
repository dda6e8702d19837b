"""Where the SQL and the report templates are, in a wheel install and in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # A wheel carries the folder inside the package; a source checkout (editable install) has
    # it at the top of the repository.
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{name}/ is missing from the installation")


def queries_dir() -> Path:
    """The `queries/` folder: schema, shared views, controls."""
    return _find("queries")


def templates_dir() -> Path:
    """The `report_templates/` folder."""
    return _find("report_templates")


@cache
def sql(name: str) -> str:
    """The text of `queries/<name>.sql` (name may hold folders: "coverage/logs"): the one way the
    code reads a SQL statement, so that none lives in a Python string."""
    return (queries_dir() / f"{name}.sql").read_text(encoding="utf-8")
