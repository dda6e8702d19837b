"""`auditor report`: the monthly report's numbers, sections, safety and form."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE, write_input
from test_controls import SETUP, access, consent

from auditor.cli import main
from auditor.interactive import embedded
from auditor.render import html_to_pdf
from auditor.report import EXAMPLES

SECTIONS = ["Summary", "Controls", "Data flows", "Consent and enablement", "Data-subject requests",
            "Evidence quality", "Waivers", "Method"]


def cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("report") / "audit.duckdb")
    assert cli("load", str(SAMPLE), "--db", db).exit_code == 0
    return db


def pdf_text(path: Path) -> str:
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_the_sample_report_matches_check_and_holds_every_section(sample_db, tmp_path):
    out = tmp_path / "out"
    result = cli("report", "--period", "2026-08", "--db", sample_db, "--out", str(out))
    assert result.exit_code == 0, result.output
    check = json.loads(cli("check", "--db", sample_db, "--period", "2026-08", "--format", "json").output)
    html = (out / "report-2026-08.html").read_text()
    text = pdf_text(out / "report-2026-08.pdf")
    for heading in SECTIONS:
        assert heading in text and heading in html
    for control in check["controls"]:  # per-control counts are those of `auditor check`
        row = re.search(rf'<td><a href="#control-{control["id"]}">.*?</tr>', html, re.S).group(0)
        cells = re.findall(r'<td class="n">([\d,]+)</td>', row)
        assert [int(c.replace(",", "")) for c in cells] == [control["findings"], control["waived"]], control["id"]
    total = sum(c["findings"] - c["waived"] for c in check["controls"])
    assert f"Not compliant: {total:,} open finding(s)" in text
    with open(out / "findings-2026-08.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["control"], r["event_id"]) for r in rows} == {(f["control"], f["event_id"]) for f in check["findings"]}
    # Self-contained: inline scripts only (the interactive report), nothing fetched.
    assert not re.search(r"<script[^>]*\ssrc|<link|<iframe", html) and not re.search(r'(src|href)="(?!#)|url\((?!#)|@import', html)
    data = embedded(html)  # every finding of the CSV, for the findings explorer
    assert data["rows"] == len(rows) and set(zip(data["data"]["control"]["codes"], data["data"]["event_id"])) == {
        (data["data"]["control"]["dict"].index(r["control"]), r["event_id"]) for r in rows}
    # Rows of equal count are in a stated order (it was the threads' order, so two runs could differ).
    assert html.index("<td>US to EEA</td><td>(none)</td>") < html.index("<td>US to EEA</td><td>derogation</td>")
    # A second report of the same period reuses the run instead of checking again.
    runs = _runs(sample_db)
    assert cli("report", "--period", "2026-08", "--db", sample_db, "--out", str(out), "--format", "html").exit_code == 0
    assert _runs(sample_db) == runs


@pytest.mark.parametrize("month", ["2026-08", "2026-10"])
def test_request_statuses_are_those_of_auditor_dsr(sample_db, tmp_path, month):
    import duckdb

    assert cli("report", "--period", month, "--db", sample_db, "--out", str(tmp_path), "--format", "html").exit_code == 0
    con = duckdb.connect(sample_db, read_only=True)
    as_of, start, end = con.execute("SELECT as_of, period_start, period_end FROM check_runs ORDER BY run_id DESC LIMIT 1").fetchone()
    con.close()
    start, end = (t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in (start, end))
    listed = json.loads(cli("dsr", "--db", sample_db, "--as-of", as_of.isoformat(), "--format", "json").output)["requests"]
    in_scope = [r for r in listed if start <= r["received_at"] < end or start <= r["deadline"] < end or not r["completed_at"]]
    counts = {s: sum(r["status"] == s for r in in_scope) for s in ("done_in_time", "done_late", "open", "overdue")}
    html = (tmp_path / f"report-{month}.html").read_text()
    assert (f"{counts['done_in_time']} done in time, {counts['done_late']} done late,\n   {counts['open']} open within "
            f"their deadline, {counts['overdue']} overdue") in html
    table = re.search(r'id="dsr".*?</table>', html, re.S).group(0)
    shown = re.findall(r'<tr><td class="mono">([^<]+)</td>.*?<td>(done in time|done late|open|overdue)</td><td class="n">', table, re.S)
    assert shown == [(r["request_id"], r["status"].replace("_", " ")) for r in in_scope]


def _runs(db: str) -> int:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM check_runs").fetchone()[0]
    finally:
        con.close()


NASTY = ['<script>alert(1)</script>', '<img src="file:///etc/passwd">', "http://evil.example/x.png"]


def test_log_values_are_text_and_nothing_is_fetched(tmp_path):
    rows = [access("a1", "2026-10-02T00:00:00Z", user_id=NASTY[0], app=NASTY[1], transfer_mechanism=NASTY[2],
                   source_region="SE", destination_region="US")]
    folder = write_input(tmp_path / "in", access_events=rows, consent_events=[consent("c1", "2026-10-01T00:00:00Z", user=NASTY[1])],
                         admin_events=SETUP)
    db = str(tmp_path / "a.duckdb")
    assert cli("load", str(folder), "--db", db).exit_code == 0
    result = cli("report", "--period", "2026-10", "--db", db, "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output  # the PDF renderer asked for nothing (else: an error)
    html = (tmp_path / "out" / "report-2026-10.html").read_text()
    assert "<script>alert" not in html and '<img src="file' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "file:///etc/passwd" in pdf_text(tmp_path / "out" / "report-2026-10.pdf")


def test_the_pdf_fetcher_refuses_files_and_the_network():
    pdf, refused = html_to_pdf('<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
                               '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')
    assert pdf.startswith(b"%PDF")
    assert refused == ["file:///etc/passwd", "http://127.0.0.1:9/x.png"]


def test_a_pseudonymised_report_holds_no_user_id_or_email(sample_db, tmp_path):
    import duckdb

    out = tmp_path / "out"
    assert cli("report", "--period", "2026-08", "--db", sample_db, "--out", str(out), "--pseudonymize").exit_code == 2
    result = cli("report", "--period", "2026-08", "--db", sample_db, "--out", str(out), "--format", "html",
                 "--pseudonymize", env={"AUDITOR_PSEUDONYM_KEY": "test-key"})
    assert result.exit_code == 0, result.output
    con = duckdb.connect(sample_db, read_only=True)
    people = {v for (v,) in con.execute(
        "SELECT user_id FROM users UNION SELECT email FROM users UNION SELECT display_name FROM users "
        "UNION SELECT user_id FROM access_events UNION SELECT viewer_id FROM access_events "
        "UNION SELECT actor_id FROM admin_events UNION SELECT target_user_id FROM admin_events "
        "UNION SELECT user_id FROM dsr_requests").fetchall() if v}
    con.close()
    for name in ("report-2026-08.html", "findings-2026-08.csv"):
        text = (out / name).read_text()
        leaked = sorted(p for p in people if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text))
        assert leaked == [], name
    assert "person-" in (out / "report-2026-08.html").read_text()


def test_a_month_with_no_data_and_a_month_with_no_findings(sample_db, tmp_path):
    result = cli("report", "--period", "2025-01", "--db", sample_db, "--out", str(tmp_path), "--format", "html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report-2025-01.html").read_text()
    assert "No access events in the period." in html
    clean = write_input(tmp_path / "clean", access_events=[access("a1", "2026-10-02T00:00:00Z")], admin_events=SETUP,
                        consent_events=[consent("c1", "2026-10-01T00:00:00Z")])
    db = str(tmp_path / "clean.duckdb")
    cli("load", str(clean), "--db", db)
    assert cli("report", "--period", "2026-10", "--db", db, "--out", str(tmp_path), "--format", "html").exit_code == 0
    html = (tmp_path / "report-2026-10.html").read_text()
    assert "Incomplete evidence: 2 control(s) not evaluated" in html  # no dsr_requests log
    assert "Compliant" not in html
    assert "Logs absent:</strong> dsr_requests, users" in html


def test_a_month_with_100000_findings_keeps_tables_capped_and_the_csv_complete(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    header = "event_id,occurred_at,user_id,direction,category,session_id,session_end,purged_at,source_region,destination_region\n"
    body = "".join(f"a{i},2026-10-02T00:00:00Z,u{i % 500},linkedin_to_microsoft,profile,s{i},2026-10-02T00:00:00Z,"
                   f"2026-10-02T00:00:00Z,SE,SE\n" for i in range(100_000))
    (folder / "access_events.csv").write_text(header + body)
    (folder / "consent_events.csv").write_text("event_id,occurred_at,user_id,action,scope\n")
    db = str(tmp_path / "big.duckdb")
    assert cli("load", str(folder), "--db", db).exit_code == 0
    result = cli("report", "--period", "2026-10", "--db", db, "--out", str(tmp_path / "out"), "--format", "html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "report-2026-10.html").read_text()
    assert len(re.findall(r'<td class="mono">a\d+</td>', html)) == EXAMPLES == 25  # examples of consent-before-access
    assert "25 of 100,000 shown" in html
    data = embedded(html)  # all of them in the page, compressed
    assert '"encoding":"gzip+base64"' in html and len(html) < 3_000_000
    assert data["rows"] == 100_000 and len(set(data["data"]["event_id"])) == 100_000
    with open(tmp_path / "out" / "findings-2026-10.csv", newline="") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == 100_000


def test_the_findings_csv_writes_times_as_iso_8601_utc(tmp_path):
    # Formatted in SQL as db.iso does: fractional seconds only when there are any.
    rows = [access("a1", "2026-10-02T00:00:00.25Z"), access("a2", "2026-10-02T02:00:00+02:00")]
    folder = write_input(tmp_path / "in", access_events=rows, consent_events=[], admin_events=SETUP)
    db = str(tmp_path / "a.duckdb")
    assert cli("load", str(folder), "--db", db).exit_code == 0
    assert cli("report", "--period", "2026-10", "--db", db, "--out", str(tmp_path / "out"), "--format", "html").exit_code == 0
    with open(tmp_path / "out" / "findings-2026-10.csv", newline="") as fh:
        found = {(r["event_id"], r["occurred_at"], r["arose_at"]) for r in csv.DictReader(fh) if r["control"] == "consent-before-access"}
    assert found == {("a1", "2026-10-02T00:00:00.250000Z", "2026-10-02T00:00:00.250000Z"),
                     ("a2", "2026-10-02T00:00:00Z", "2026-10-02T00:00:00Z")}


def test_an_interrupted_write_leaves_the_previous_report_whole(sample_db, tmp_path, monkeypatch):
    import auditor.render as render

    args = ["report", "--period", "2026-08", "--db", sample_db, "--out", str(tmp_path), "--format", "html"]
    assert cli(*args).exit_code == 0
    before = (tmp_path / "report-2026-08.html").read_bytes()

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(render.os, "replace", interrupted)
    assert cli(*args, "--pseudonymize", env={"AUDITOR_PSEUDONYM_KEY": "k"}).exit_code != 0
    monkeypatch.undo()
    assert (tmp_path / "report-2026-08.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["admin-changes-2026-08.csv", "findings-2026-08.csv", "report-2026-08.html"]


def test_bad_usage(sample_db, tmp_path):
    assert cli("report", "--period", "2026-13", "--db", sample_db).exit_code == 2
    assert "choose from html, pdf" in cli("report", "--period", "2026-10", "--db", sample_db, "--format", "docx").output


def test_request_counts_cover_every_request_while_the_table_is_capped(tmp_path):
    from test_controls import request

    reqs = [request(f"r{i:03d}", "2026-10-05T00:00:00Z") for i in range(120)]
    folder = write_input(tmp_path / "in", dsr_requests=reqs, admin_events=SETUP,
                         consent_events=[consent("c1", "2026-10-01T00:00:00Z")],
                         access_events=[access("a1", "2026-10-02T00:00:00Z")])
    db = str(tmp_path / "a.duckdb")
    assert cli("load", str(folder), "--db", db).exit_code == 0
    assert cli("report", "--period", "2026-10", "--db", db, "--out", str(tmp_path), "--format", "html").exit_code == 0
    html = (tmp_path / "report-2026-10.html").read_text()
    assert "120 received in the period" in html and "120 open within their deadline" in html and "0 overdue" in html
    assert "The 50 soonest deadlines of 120 requests" in html
    assert html.count('<td class="mono">r') == 50


def test_people_by_name_owners_sign_off_and_no_machine_paths(sample_db, tmp_path):
    config = tmp_path / "auditor.toml"
    config.write_text('[owners]\nby_control = {"dsr-deadline" = "DPO office"}\nby_severity = {high = "CISO"}\ndue_days = 14\n'
                      '[report]\nprepared_by = "Compliance office"\n'
                      'group_names = {"72e13be2-a133-47e6-ae8c-95648e9b8532" = "LinkedIn pilot group"}\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--config", str(config), "report", "--period", "2026-08", "--db", sample_db,
                                       "--out", str(out), "--format", "html"])
    assert result.exit_code == 0, result.output
    html = (out / "report-2026-08.html").read_text()
    admin = html[html.index("change(s) in the period, by administrator"):html.index('id="dsr"')]
    assert '<span class="who">Ingrid Holm</span> <span class="email">ingrid.holm@contoso.com</span>' in admin
    assert "LinkedIn pilot group" in admin
    assert admin.count("<tr>") < 68  # grouped per actor and day: fewer rows than the 68 admin events
    with open(out / "admin-changes-2026-08.csv", newline="") as fh:
        changes = list(csv.DictReader(fh))
    assert len(changes) == sum(int(n) for n in re.findall(r'<td class="n">(\d+)</td></tr>', admin))  # every change
    assert "<td>CISO, 2026-09-15</td>" in html  # a failed high control: owner by severity, due 14 days after the period
    assert "Sign-off" in html and "<td>Compliance office</td>" in html
    assert str(SAMPLE) not in html and "<td class=\"mono\">access_events.csv</td>" in html  # the file as loaded, no machine path
    with open(out / "findings-2026-08.csv", newline="") as fh:
        assert any(r["user_name"] for r in csv.DictReader(fh))
    pseudo = tmp_path / "pseudo"
    result = CliRunner().invoke(main, ["--config", str(config), "report", "--period", "2026-08", "--db", sample_db,
                                       "--out", str(pseudo), "--format", "html", "--pseudonymize"],
                                env={"AUDITOR_PSEUDONYM_KEY": "k"})
    assert result.exit_code == 0
    for name in ("report-2026-08.html", "findings-2026-08.csv", "admin-changes-2026-08.csv"):
        text = (pseudo / name).read_text()
        assert "@contoso.com" not in text and "Ingrid Holm" not in text, name


# Values a log may hold that a CSV writer must quote, neutralise or keep as they are.
AWKWARD = ["plain", "", None, "a,b", 'say "hi"', "two\nlines", "carriage\rreturn", " lead", "=1+1", "+x", "-2",
           "@SUM(1)", "\tx", "\rx", "Åsa Öberg", "trailing,"]


def _pandas_neutralised(column):
    """The report's neutralisation as it was written with pandas (the oracle of the bytes)."""
    text = column.astype("string")
    formula = text.str[:1].isin(("=", "+", "-", "@", "\t", "\r"))
    return column.where(~formula, "'" + text) if formula.any() else column


def test_the_csvs_written_without_pandas_have_the_bytes_pandas_wrote():
    import duckdb
    import pandas as pd

    from auditor.outputs import csv_text, findings_csv, rows_csv

    n = len(AWKWARD)
    frame = pd.DataFrame({"event_id": AWKWARD, "reason": AWKWARD[::-1], "waived": [i % 2 == 0 for i in range(n)]})
    con = duckdb.connect()
    relation = con.sql("SELECT * FROM frame")  # the same table, read by DuckDB itself
    # The admin changes: pandas' to_csv before, the csv module now.
    assert rows_csv(relation) == frame.apply(_pandas_neutralised).to_csv(index=False, lineterminator="\n")
    # The findings: DuckDB writes both, from a DataFrame (evidence pack) or from the query (report).
    assert csv_text(relation) == findings_csv(frame)
    old = frame.assign(waived=frame["waived"].map({True: "true", False: "false"})).apply(_pandas_neutralised)
    assert findings_csv(frame) == csv_text(duckdb.connect().from_df(old))
    assert "\n'=1+1," in rows_csv(relation) and '\n"",' in csv_text(relation) and '\n,' in rows_csv(relation)


def test_the_report_reads_its_findings_without_pandas(sample_db, tmp_path):
    import subprocess
    import sys

    # pandas costs a report 0.7 s to import; the report's path needs no DataFrame.
    code = ("import sys; from auditor.cli import main; main(sys.argv[1:], standalone_mode=False); "
            "assert 'pandas' not in sys.modules, 'pandas was imported'")
    done = subprocess.run([sys.executable, "-c", code, "report", "--period", "2026-10", "--db", sample_db,
                           "--out", str(tmp_path / "out"), "--format", "html"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "findings-2026-10.csv").read_text().count("\n") > 1


def test_what_a_report_stored_is_written_into_the_database_file_while_its_pdf_renders(tmp_path):
    """checkpoint_behind writes the connection's changes (the run a report stores) into the
    file while the caller works, so close has nothing left to wait for; read-only, it writes
    nothing."""
    import duckdb

    from auditor.db import checkpoint_behind

    db = tmp_path / "audit.duckdb"
    wal = tmp_path / "audit.duckdb.wal"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE runs AS SELECT range AS run_id FROM range(1000)")
    assert wal.exists() and wal.stat().st_size > 0
    with checkpoint_behind(con):
        pass
    assert not wal.exists() or wal.stat().st_size == 0
    con.close()
    con = duckdb.connect(str(db), read_only=True)
    with checkpoint_behind(con):
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1000
    con.close()


def test_a_chart_reaches_the_pdf_as_an_image_of_the_same_svg():
    """WeasyPrint draws a chart given as an image in half the time it takes inline; only the
    charts are turned into images, a log's text that reads like markup stays text."""
    import base64

    from auditor.render import charts_as_images, svg_chart

    chart = svg_chart("t", lambda ax: ax.bar(["2026-08"], [3]))
    page = f'<p>&lt;svg onload="x"&gt; from a log</p><div class="chart">{chart}</div>'
    out = charts_as_images(page)
    (data,) = re.findall(r'<img alt="" src="data:image/svg\+xml;base64,([^"]+)">', out)
    assert base64.b64decode(data).decode("utf-8") == chart.strip()
    assert "<svg" not in out and '&lt;svg onload="x"&gt; from a log' in out
    pdf, refused = html_to_pdf(page)
    assert pdf.startswith(b"%PDF") and refused == []
