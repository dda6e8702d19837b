"""The interactive report's data and blocks, without a browser (tests/test_interactive.py has one)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REPO

from auditor.interactive import END, START, explorer_data, print_only, read_script_json, script_json

TEMPLATES = REPO / "report_templates"


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "control": ["b-control", "a-control", "b-control"],
        "severity": ["low", "high", "medium"],
        "event_id": ["e1", "e2", "e3"],
        "user_id": ["u1", None, "u1"],
        "reason": ["</script><!-- & u1", "x\u2028y", "plain"],
        "waived": [False, True, False],
        "waiver_reason": [None, "ok", None],
    })


def test_the_data_is_columnar_with_sorted_dictionaries_and_nulls():
    data = explorer_data(frame(), "2026-08")
    assert data["rows"] == 3 and data["label"] == "2026-08"
    columns = data["data"]
    assert columns["control"] == {"dict": ["a-control", "b-control"], "codes": [1, 0, 1]}
    assert columns["severity"] == {"dict": ["high", "medium", "low"], "codes": [2, 0, 1]}  # high first
    assert columns["status"] == {"dict": ["open", "waived"], "codes": [0, 1, 0]}  # derived from waived
    assert columns["event_id"] == ["e1", "e2", "e3"]  # all distinct: a plain list
    assert columns["user_id"] == ["u1", None, "u1"]  # 2 values in 3 rows: a dictionary would not pay
    assert [c["key"] for c in data["columns"]] == ["control", "severity", "user_id", "event_id", "reason", "status"]


@pytest.mark.parametrize("compress", [False, True])
def test_the_script_text_cannot_end_its_element_and_reads_back(compress):
    data = explorer_data(frame(), "2026-08")
    text = script_json(data, compress=compress)
    assert not any(ch in text for ch in "<>&\u2028\u2029")
    assert ("gzip+base64" in text) is compress
    assert read_script_json(str(text)) == data


def test_large_data_is_compressed_by_itself(monkeypatch):
    import auditor.interactive as interactive

    data = explorer_data(frame(), "2026-08")
    assert "gzip+base64" not in script_json(data)
    monkeypatch.setattr(interactive, "COMPRESS_ABOVE", 10)
    assert "gzip+base64" in script_json(data)


def test_the_pdf_page_has_no_interactive_block():
    page = f"<body><p>kept</p>{START}<script>x()</script>{END}\n</body>"
    assert print_only(page) == "<body><p>kept</p>\n</body>"
    assert print_only("<body>no block</body>") == "<body>no block</body>"


@pytest.mark.parametrize("name", ["interactive.js", "interactive.css"])
def test_included_files_hold_no_template_syntax_and_cannot_close_their_element(name):
    # Jinja includes them verbatim (no autoescape for .js/.css) but would still read its delimiters.
    text = (TEMPLATES / name).read_text()
    for token in ("{{", "{%", "{#", "</script", "</style", "<!--"):
        assert token not in text, (name, token)
    assert "innerHTML" not in text and "eval(" not in text and "fetch(" not in text
