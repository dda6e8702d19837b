"""Every SQL statement the code runs is a file in queries/, read with resources.sql("area/name")."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.resources import queries_dir, sql
from auditor.schema import LOGS

PACKAGE = Path(__file__).resolve().parent.parent / "auditor"
# sql("area/name"), sql(f"subject/records/{log}"), and names in a tuple a loop passes to sql().
CALLED = re.compile(r"""(?<![.\w])sql\(f?["']([\w/{}]+)["']\)""")
LITERAL = re.compile(r"""["']((?:adapters|check|cli|db|dsr|evidence|lake|load|outputs|report|sample|schema|spark|subject)/[\w/{}]+)["']""")


def _names(pattern: re.Pattern[str]) -> set[str]:
    """The query names the package writes in that form; "{log}" stands for each log."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        for name in pattern.findall(path.read_text(encoding="utf-8")):
            names |= {name.replace("{log}", log.name) for log in LOGS} if "{log}" in name else {name}
    return names


def test_every_query_the_code_names_is_a_file():
    missing = sorted(n for n in _names(CALLED) | _names(LITERAL) if not (queries_dir() / f"{n}.sql").is_file())
    assert not missing
    assert sql("subject/records/access_events").startswith("--")


def test_every_file_of_the_moved_areas_is_read_by_the_code():
    areas = ("adapters", "check", "cli", "db", "dsr", "evidence", "lake", "load", "outputs", "report", "sample", "schema",
             "spark", "subject")
    files = {p.relative_to(queries_dir()).with_suffix("").as_posix()
             for area in areas for p in (queries_dir() / area).rglob("*.sql")}
    assert files and not sorted(files - _names(CALLED) - _names(LITERAL))
