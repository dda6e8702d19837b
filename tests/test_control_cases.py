"""Every control's unit cases (queries/controls/<id>/cases.toml): the rows given, the finding ids expected."""

from __future__ import annotations

import pytest

from auditor.cases import case_database, findings, load_cases
from auditor.controls import catalogue

CASES = [(c, case) for c in catalogue() for case in load_cases(c)]


@pytest.mark.parametrize(("control", "case"), CASES, ids=[f"{c.id}: {case.name}" for c, case in CASES])
def test_control_case(control, case):
    con = case_database(case, f"{control.id}: {case.name}")
    try:
        assert findings(con, control, case) == set(case.expect)
    finally:
        con.close()


def test_every_control_has_cases_that_find_and_that_pass():
    for control in catalogue():
        cases = load_cases(control)
        assert any(case.expect for case in cases), f"{control.id}: no case with a finding"
        assert any(not case.expect or len(case.expect) < sum(map(len, case.given.values())) for case in cases), \
            f"{control.id}: no case where a row is not a finding"


def test_the_generated_docs_are_current():
    """docs/controls.md and docs/input.md are made from the control folders and the schema."""
    from auditor.docs import DOCS, GENERATED

    for name, make in GENERATED.items():
        assert (DOCS / name).read_text(encoding="utf-8") == make(), f"docs/{name} is stale: run python -m auditor.docs"


def test_every_control_has_its_finding_sentence_in_every_language():
    from auditor.i18n import languages

    for control in catalogue():
        missing = [lang for lang in languages() if not control.finding_text(lang)]
        assert not missing, f"{control.id}/control.toml: [finding] lacks {', '.join(missing)}"


def test_every_command_of_the_cli_is_in_the_readme():
    from auditor.cli import main
    from conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name in main.commands if f"auditor {name}" not in readme]
    assert not missing, f"README.md does not show: {', '.join(missing)}"
