"""`auditor subject` and `auditor dsr`: one person's data, all of it, and nobody else's."""

from __future__ import annotations

import json
import re
import string
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import SAMPLE, write_input
from test_controls import SETUP, access, admin, consent, request

from auditor.check import run_check, select_controls
from auditor.cli import main
from auditor.config import Config
from auditor.controls import catalogue
from auditor.db import connect
from auditor.i18n import Messages, languages
from auditor.ingest import load
from auditor.schema import LOGS_BY_NAME
from auditor.render import PDF_MODULES, Preload, html_to_pdf
from auditor.check import find_or_run
from auditor.waivers import WaiverFile
from auditor.subject import access_table, find_subject, render_html, report_data, safe_name

# A sample user whose profile card was shown to colleagues and who opened colleagues' cards,
# with a request; and one whom an administrator added to the selected group.
VIEWED_AND_VIEWER = "e8b79b6c-eadd-4bcd-aa1d-5e968869c279"
ADMIN_TARGET = "ca2ddb76-d82b-4876-a203-1eb51229a398"


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> str:
    """sample_data loaded and checked once (the subject report reads the latest run's findings)."""
    db = str(tmp_path_factory.mktemp("subject") / "audit.duckdb")
    con = connect(db, Config())
    load(con, SAMPLE, Config())
    run_check(con, Config(), select_controls())
    con.close()
    return db


def query(db: str, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def subject_json(db: str, user: str, out: Path, *args: str) -> dict:
    result = cli("subject", user, "--db", db, "--out", str(out), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    (path,) = out.glob("subject-*.json")
    return json.loads(path.read_text(encoding="utf-8"))


class _Text(HTMLParser):
    """The visible text of a page: no <style>, no inline SVG chart, no attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "svg")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "svg")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def pdf_text(path: Path) -> str:
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


# completeness ------------------------------------------------------------------------------------

WHERE = {"users": "user_id = ?", "consent_events": "user_id = ?", "access_events": "user_id = ?",
         "admin_events": "target_user_id = ?", "dsr_requests": "user_id = ?"}


@pytest.mark.parametrize("user", [VIEWED_AND_VIEWER, ADMIN_TARGET, "pu-li-1", "pu-li-3", "pu-ck-1", "pu-ghost-2"])
def test_the_export_holds_exactly_the_persons_rows(sample_db, tmp_path, user):
    data = subject_json(sample_db, user, tmp_path)
    assert data["version"] == 1 and data["subject"]["user_id"] == user
    for log, where in WHERE.items():
        id_column = LOGS_BY_NAME[log].id_column
        expected = Counter(r[0] for r in query(sample_db, f"SELECT {id_column} FROM {log} WHERE {where}", [user]))
        rows = data["records"][log]
        assert Counter(r[id_column] for r in rows) == expected, log  # the same rows, duplicates included
        for row in rows:
            if log == "admin_events":
                assert row["target_user_id"] == user and "actor_id" not in row
            else:
                assert row["user_id"] == user
    # Columns are the canonical ones (stable), timestamps ISO 8601 UTC.
    assert all(list(r) == list(LOGS_BY_NAME["consent_events"].column_names) for r in data["records"]["consent_events"])
    stamps = [r["occurred_at"] for log in ("consent_events", "access_events", "admin_events") for r in data["records"][log]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", s) for s in stamps)


def test_the_export_hides_other_viewers_and_keeps_the_persons_own(sample_db, tmp_path):
    data = subject_json(sample_db, VIEWED_AND_VIEWER, tmp_path)
    rows = data["records"]["access_events"]
    by_others = query(sample_db, "SELECT count(*) FROM access_events WHERE user_id = ? AND viewer_id <> user_id", [VIEWED_AND_VIEWER])[0][0]
    assert by_others > 0 and sum(r["viewed_by_other"] for r in rows) == by_others
    assert all(r["viewer_id"] is None for r in rows if r["viewed_by_other"])
    assert {r["viewer_id"] for r in rows} <= {None, VIEWED_AND_VIEWER}
    assert any(r["viewer_id"] == VIEWED_AND_VIEWER for r in rows)


# nobody else -------------------------------------------------------------------------------------

def other_people(db: str, user: str) -> set[str]:
    """Every id, email and name of anyone but `user` that the logs could leak into their report."""
    own = query(db, "SELECT user_id, email, display_name FROM users WHERE user_id = ?", [user])
    own_values = {v for row in own for v in row if v}
    values = {v for row in query(db, "SELECT user_id, email, display_name FROM users WHERE user_id <> ?", [user])
              for v in row if v}
    values |= {r[0] for r in query(db, "SELECT viewer_id FROM access_events WHERE user_id = ? AND viewer_id <> user_id", [user])}
    values |= {r[0] for r in query(db, "SELECT user_id FROM access_events WHERE viewer_id = ? AND user_id <> ?", [user, user])}
    values |= {r[0] for r in query(db, "SELECT actor_id FROM admin_events")}
    return values - own_values


def assert_nobody_else(text: str, forbidden: set[str], what: str) -> None:
    squeezed = re.sub(r"\s+", "", text)  # a PDF may break an id across lines
    leaked = sorted(v for v in forbidden if v in text or re.sub(r"\s+", "", v) in squeezed)
    assert not leaked, f"{what} names other people: {leaked[:5]}"


def test_no_other_person_appears_in_the_html_pdf_or_json(sample_db, tmp_path):
    forbidden = other_people(sample_db, VIEWED_AND_VIEWER)
    assert len(forbidden) > 300  # the directory, the colleagues who viewed and were viewed, the admins
    result = cli("subject", VIEWED_AND_VIEWER, "--db", sample_db, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    stem = tmp_path / f"subject-{VIEWED_AND_VIEWER}"
    html = stem.with_suffix(".html").read_text(encoding="utf-8")
    pdf = pdf_text(stem.with_suffix(".pdf"))
    assert "Ingrid Virtanen" in pdf and "profile cards to" in pdf  # the text was extracted
    assert re.search(r"shown on \d+ profile cards to \d+ colleagues", visible_text(html))
    assert re.search(r"opened colleagues' LinkedIn information on \d+ profile cards", visible_text(html))
    for text, what in ((html, "HTML"), (pdf, "PDF"), (stem.with_suffix(".json").read_text(encoding="utf-8"), "JSON")):
        assert_nobody_else(text, forbidden, what)


def test_admin_changes_are_by_an_administrator_never_named(sample_db, tmp_path):
    forbidden = other_people(sample_db, ADMIN_TARGET)
    result = cli("subject", ADMIN_TARGET, "--db", sample_db, "--out", str(tmp_path), "--format", "html,json")
    assert result.exit_code == 0, result.output
    html = (tmp_path / f"subject-{ADMIN_TARGET}.html").read_text(encoding="utf-8")
    assert "An administrator added you to the group" in html
    for path in tmp_path.glob("subject-*"):
        assert_nobody_else(path.read_text(encoding="utf-8"), forbidden, path.name)


# languages ---------------------------------------------------------------------------------------

def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_catalogue_has_the_same_keys_and_placeholders():
    assert {"en", "sv"} <= set(languages())
    english = Messages("en")
    for lang in languages():
        other = Messages(lang)
        assert other.keys() == english.keys(), (lang, other.keys() ^ english.keys())
        for key in english.keys():
            assert placeholders(other.table[key]) == placeholders(english.table[key]), (lang, key)


def test_every_control_is_explained_in_every_language():
    for lang in languages():
        t = Messages(lang)
        missing = [c.id for c in catalogue() if not t.has(f"finding.{c.id}")]
        assert not missing, f"add finding.<id> to auditor/messages/{lang}.toml for {missing}"


def test_numbers_and_plurals_follow_the_language():
    assert Messages("en").number(12345) == "12,345" and Messages("sv").number(12345) == "12\u00a0345"
    assert Messages("en").plural("unit.colleague", 1) == "1 colleague"
    assert Messages("sv").plural("unit.colleague", 9) == "9 kollegor"


def numbers(html: str, lang: str) -> Counter:
    text = visible_text(html)
    text = re.sub(r"(?<=\d)[,\u00a0\u202f](?=\d{3})", "", text)  # thousands separators of either language
    return Counter(re.findall(r"\d+", text))


@pytest.mark.parametrize("user", [VIEWED_AND_VIEWER, "pu-ck-1", ADMIN_TARGET])
def test_swedish_and_english_reports_carry_the_same_numbers(sample_db, user, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    con = connect(sample_db, Config())
    try:
        run = find_or_run(con, Config(), None, WaiverFile(), datetime(2026, 10, 28, 12, tzinfo=timezone.utc))
        data = report_data(con, find_subject(con, user), run)
    finally:
        con.close()
    english, swedish = render_html(data, Config(), "en"), render_html(data, Config(), "sv")
    assert "Registerutdrag" in swedish and "Vad granskningen fann" in swedish and "What the audit found" in english
    assert numbers(english, "en") == numbers(swedish, "sv")


# deadlines and `auditor dsr` ---------------------------------------------------------------------

AS_OF = "2026-03-15T00:00:00Z"
REQUESTS = [
    request("r-jan31", "2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z"),                # at its clamped deadline: in time
    request("r-late", "2026-01-31T10:00:00Z", "2026-02-28T10:00:01Z"),                 # one second late
    request("r-ext", "2026-01-31T10:00:00Z", "", extended="true"),                     # three months: 30 April
    request("r-over", "2026-02-01T00:00:00Z", ""),                                     # deadline 1 March: overdue
    request("r-open", "2026-03-01T00:00:00Z", "2026-03-20T00:00:00Z", user_id="u2"),   # completed after as_of: open
    request("r-edge", "2026-02-15T00:00:00Z", ""),                                     # deadline = as_of: not yet late
    request("r-future", "2026-03-20T00:00:00Z", ""),                                   # received after as_of
]


@pytest.fixture
def small_db(tmp_path) -> str:
    """u1 with consent, flows and requests; u2 only a request; u3 in the directory with nothing."""
    users = [{"user_id": "u1", "email": "Ada.Lind@example.com", "display_name": "Ada Lind", "country": "SE"},
             {"user_id": "u2", "email": "bo@example.com", "display_name": "Bo Berg", "country": "US"},
             {"user_id": "u3", "email": "cy@example.com", "display_name": "Cy Nobody", "country": ""}]
    folder = write_input(
        tmp_path / "in", users=users, dsr_requests=REQUESTS,
        admin_events=SETUP + [admin("e-add", "2026-01-02T00:00:00Z", "group_add", group_id="g1", target_user_id="u1",
                                    actor_id="admin-secret-7")],
        consent_events=[consent("c1", "2026-01-05T00:00:00Z"), consent("c2", "2026-02-01T00:00:00Z", "hide_profile")],
        access_events=[
            access("a1", "2026-01-04T00:00:00Z"),  # before consent: a finding once checked
            access("a2", "2026-02-02T00:00:00Z", viewer_id="u2"),
            access("a3", "2026-02-03T00:00:00Z", viewer_id="u1", direction="microsoft_to_linkedin", category="contacts",
                   purged_at="", source_region="SE", destination_region="US", transfer_mechanism="dpf"),
            access("a4", "2026-02-04T00:00:00Z", user_id="u2", viewer_id="u1"),
            access("a5", "2026-03-01T00:00:00Z", purged_at="2026-03-20T00:00:00Z"),   # held as of 15 March
            access("a6", "2026-03-30T00:00:00Z"),                                    # after as_of
        ],
    )
    db = str(tmp_path / "small.duckdb")
    assert cli("load", str(folder), "--db", db).exit_code == 0
    return db


def test_deadlines_clamp_at_month_end_and_statuses_follow_as_of(small_db):
    result = cli("dsr", "--db", small_db, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    got = [(r["request_id"], r["deadline"], r["status"], r["days_left"]) for r in data["requests"]]
    assert got == [  # soonest deadline first
        ("r-jan31", "2026-02-28T10:00:00Z", "done_in_time", None),
        ("r-late", "2026-02-28T10:00:00Z", "done_late", None),
        ("r-over", "2026-03-01T00:00:00Z", "overdue", -14),
        ("r-edge", "2026-03-15T00:00:00Z", "open", 0),
        ("r-open", "2026-04-01T00:00:00Z", "open", 17),
        ("r-ext", "2026-04-30T10:00:00Z", "open", 46),
    ]
    assert data["as_of"] == AS_OF and data["received_after_as_of"] == 1
    assert next(r for r in data["requests"] if r["request_id"] == "r-open")["completed_at"] is None
    # Later, the completion has happened and the extended request is overdue.
    later = json.loads(cli("dsr", "--db", small_db, "--as-of", "2026-05-01T00:00:00Z", "--format", "json").output)
    status = {r["request_id"]: r["status"] for r in later["requests"]}
    assert status["r-open"] == "done_in_time" and status["r-ext"] == "overdue" and status["r-future"] == "overdue"


def test_dsr_table_and_csv(small_db):
    table = cli("dsr", "--db", small_db, "--as-of", AS_OF)
    assert table.exit_code == 0, table.output
    lines = [line for line in table.output.splitlines() if line.startswith("│ r-")]
    assert [line.split()[1] for line in lines] == ["r-jan31", "r-late", "r-over", "r-edge", "r-open", "r-ext"]
    assert "overdue" in lines[2] and "-14" in lines[2] and "open (extended)" in lines[5]
    assert "1 done in time, 1 done late, 3 open, 1 overdue" in table.output
    assert "1 request(s) received after as_of" in table.output
    csv_out = cli("dsr", "--db", small_db, "--as-of", AS_OF, "--format", "csv").output.splitlines()
    assert csv_out[0] == "request_id,user_id,type,scope,received_at,extended,deadline,completed_at,status,days_left"
    assert csv_out[1].startswith("r-jan31,u1,access,,2026-01-31T10:00:00Z,false,2026-02-28T10:00:00Z,2026-02-28T10:00:00Z,done_in_time,")


def test_dsr_fails_on_overdue_requests_only_when_asked(small_db):
    assert cli("dsr", "--db", small_db, "--as-of", AS_OF, "--fail-on-overdue").exit_code == 1  # r-over
    assert cli("dsr", "--db", small_db, "--as-of", "2026-03-01T00:00:00Z", "--fail-on-overdue").exit_code == 0  # not yet
    assert cli("dsr", "--db", small_db, "--as-of", AS_OF, "--format", "json").exit_code == 0


def test_the_subject_report_shows_the_persons_requests_only(small_db, tmp_path):
    assert cli("subject", "u1", "--db", small_db, "--as-of", AS_OF, "--out", str(tmp_path), "--format", "html").exit_code == 0
    text = visible_text((tmp_path / "subject-u1.html").read_text(encoding="utf-8"))
    for request_id in ("r-jan31", "r-late", "r-ext", "r-over", "r-edge"):
        assert request_id in text
    assert "r-open" not in text  # u2's
    assert "2026-04-30 10:00 UTC (extended)" in text and "answered late" in text and "overdue" in text


# the report on small data ------------------------------------------------------------------------

def test_the_report_judges_at_as_of_and_names_nobody_else(small_db, tmp_path):
    out = tmp_path / "out"
    result = cli("subject", "ada.lind@EXAMPLE.com", "--db", small_db, "--as-of", AS_OF, "--out", str(out),
                 "--format", "html,json")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["subject-u1.html", "subject-u1.json"]  # an email finds the id
    tmp_path = out
    html = (tmp_path / "subject-u1.html").read_text(encoding="utf-8")
    text = visible_text(html)
    assert "connected, since 2026-01-05 00:00 UTC, with data access both ways" in text
    assert "you chose to hide it on 2026-02-01 00:00 UTC" in text
    assert "4 flows of your data" in text  # a1, a2, a3, a5: a6 is after as_of
    assert "2 records about you are dated after 2026-03-15 00:00 UTC" in text  # a6 and r-future
    assert "shown on 1 profile card to 1 colleague" in text and "shown to you yourself once" in text
    assert "on 1 profile card (1 colleague)" in text  # u1 viewed u2's card
    assert "Settings & Privacy > Data privacy > Manage synced contacts" in text  # contacts still held by LinkedIn
    assert "SE" in text and "between the EEA and the US" in text and "EU-US Data Privacy Framework" in text
    assert "An administrator added you to the group g1" in text
    assert "Judged as of 2026-03-15 00:00 UTC" in text  # the report's own as_of, not a stored run's
    for other in ("u2", "u3", "Bo Berg", "bo@example.com", "admin-secret-7", "admin1"):
        assert other not in html.replace("u1", ""), other
    data = json.loads((tmp_path / "subject-u1.json").read_text(encoding="utf-8"))
    assert [r["event_id"] for r in data["records"]["access_events"]] == ["a1", "a2", "a3", "a5", "a6"]  # every row
    a2, a3 = data["records"]["access_events"][1:3]
    assert (a2["viewer_id"], a2["viewed_by_other"], a3["viewer_id"], a3["viewed_by_other"]) == (None, True, "u1", False)
    assert data["records"]["admin_events"] == [{"event_id": "e-add", "occurred_at": "2026-01-02T00:00:00Z",
                                                "actor_role": "global_administrator", "action": "group_add",
                                                "group_id": "g1", "target_user_id": "u1"}]
    assert "admin-secret-7" not in json.dumps(data)
    assert data["audit"]["as_of"] == AS_OF == data["as_of"] and data["audit"]["evidence"]["logs"]


def test_findings_of_the_latest_check_are_told_in_plain_words(small_db, tmp_path):
    assert cli("check", "--db", small_db, "--as-of", AS_OF).exit_code == 1
    assert cli("subject", "u1", "--db", small_db, "--as-of", AS_OF, "--out", str(tmp_path), "--format", "html",
               "--lang", "sv").exit_code == 0
    text = visible_text((tmp_path / "subject-u1.html").read_text(encoding="utf-8"))
    assert "Dina uppgifter flödade innan du någonsin hade godkänt" in text  # consent-before-access, a1
    assert "a1" in text and "consent-before-access" in text
    assert "Din begäran besvarades inte inom den lagstadgade tidsfristen" in text  # dsr-deadline
    assert "had never connected" not in text  # the control's own English reason is not repeated


def test_a_known_user_without_events_is_told_nothing_is_held(small_db, tmp_path):
    assert cli("subject", "u3", "--db", small_db, "--out", str(tmp_path), "--format", "html,json").exit_code == 0
    text = visible_text((tmp_path / "subject-u3.html").read_text(encoding="utf-8"))
    assert "these logs hold no data about you" in text and "Working in the EEA" in text and "unknown" in text
    data = json.loads((tmp_path / "subject-u3.json").read_text(encoding="utf-8"))
    assert len(data["records"]["users"]) == 1
    assert all(not data["records"][log] for log in ("consent_events", "access_events", "admin_events", "dsr_requests"))


BAD_INPUT = [
    (["nobody"], "no user 'nobody'"),
    (["nobody@example.com"], "no user 'nobody@example.com'"),
    (["u1", "--format", "html,xml"], "--format 'html,xml'"),
    (["u1", "--as-of", "2026-03-15"], "--as-of"),
]


def test_bad_input_is_one_line_and_exit_2(small_db, tmp_path):
    for args, message in BAD_INPUT:
        result = cli("subject", *args, "--db", small_db, "--out", str(tmp_path / "out"))
        assert result.exit_code == 2, result.output
        assert result.output.startswith("error: ") and message in result.output and result.output.count("\n") == 1
        assert not (tmp_path / "out").exists()


def test_log_values_are_escaped(tmp_path):
    nasty = '<script>alert(1)</script>'
    folder = write_input(tmp_path / "in", users=[{"user_id": "u1", "display_name": nasty}],
                         consent_events=[consent("c1", "2026-10-01T00:00:00Z")],
                         access_events=[access("a1", app=nasty, transfer_mechanism=nasty)])
    db = str(tmp_path / "a.duckdb")
    assert cli("load", str(folder), "--db", db).exit_code == 0
    assert cli("subject", "u1", "--db", db, "--out", str(tmp_path), "--format", "html").exit_code == 0
    html = (tmp_path / "subject-u1.html").read_text(encoding="utf-8")
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "not a recognised transfer mechanism" in html


# speed without side effects -----------------------------------------------------------------------

def test_the_persons_access_events_are_copied_once_into_memory_only(sample_db):
    con = connect(sample_db, Config())
    try:
        table = access_table(con, VIEWED_AND_VIEWER)
        assert access_table(con, VIEWED_AND_VIEWER) == table != access_table(con, ADMIN_TARGET)
        copied = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert copied > 0 and copied == con.execute("SELECT count(*) FROM access_events WHERE user_id = ?",
                                                    [VIEWED_AND_VIEWER]).fetchone()[0]
        assert con.execute("SELECT temporary FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()[0]
    finally:
        con.close()
    assert not query(sample_db, "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'subject_access%'")


def test_only_the_libraries_of_the_chosen_formats_are_imported(sample_db, tmp_path):
    script = (
        "import sys\nfrom click.testing import CliRunner\nfrom auditor.cli import main\n"
        "r = CliRunner().invoke(main, sys.argv[1:])\nassert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in ('weasyprint', 'matplotlib') if m in sys.modules))\n"
    )
    for formats, imported in (("json", "[]"), ("html,json", "['matplotlib']"), ("pdf", "['matplotlib', 'weasyprint']")):
        result = subprocess.run([sys.executable, "-c", script, "subject", VIEWED_AND_VIEWER, "--db", sample_db,
                                 "--out", str(tmp_path), "--format", formats], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == imported, formats


def test_weasyprint_is_preloaded_without_its_library_search_which_is_then_restored():
    import ctypes.util

    search = ctypes.util.find_library
    loading = Preload(PDF_MODULES)
    loading.wait(PDF_MODULES)
    assert ctypes.util.find_library is search
    assert "weasyprint" in sys.modules
    assert html_to_pdf("<p>x</p>")[0].startswith(b"%PDF")


def test_preloading_never_raises():
    loading = Preload(("no_such_module_of_auditor",), ("json",))
    loading.wait(("no_such_module_of_auditor",))  # the failure is left to the code that uses it
    loading.wait(("json",))
    loading.wait(("never_preloaded",))  # returns at once
    assert "json" in sys.modules


def test_file_names_are_safe_and_distinct():
    assert safe_name("u-1.x_Y") == "u-1.x_Y"
    assert "/" not in safe_name("../a/b") and safe_name("a/b") != safe_name("a_b")
    assert safe_name("a/b").startswith("a_b-")


def test_dsr_without_a_requests_log_says_so(tmp_path):
    db = str(tmp_path / "a.duckdb")
    assert cli("load", str(write_input(tmp_path / "in")), "--db", db).exit_code == 0
    result = cli("dsr", "--db", db)
    assert result.exit_code == 0 and "No dsr_requests log has been loaded" in result.output
    assert json.loads(cli("dsr", "--db", db, "--format", "json").output)["requests"] == []
