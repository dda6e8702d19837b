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
