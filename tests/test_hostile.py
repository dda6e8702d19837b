"""Hostile and broken input (issue 18): nothing lost, nothing run, nothing written outside,
bounded memory, one-line errors. Evidence packs are in test_evidence.py."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import SAMPLE, write_input
from test_controls import SETUP, access, consent

from auditor.cli import main


def cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def one_line_error(result, code: int = 2) -> bool:
    """Exit `code` with one line on stderr (CliRunner mixes stderr into output) and no traceback."""
    return (result.exit_code == code and len(result.output.splitlines()) == 1 and result.output.startswith("error: ")
            and "Traceback" not in result.output)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("hostile") / "audit.duckdb")
    assert cli("load", str(SAMPLE), "--db", db).exit_code == 0
    return db


# --- Case 6: any text that reaches a chart is literal ----------------------------------------

def test_a_dollar_sign_in_a_log_value_reaches_the_charts_as_text(tmp_path, monkeypatch):
    rows = [access("a1", "2026-10-02T00:00:00Z", source_region="SE", destination_region="US", transfer_mechanism="$x^$"),
            access("a2", "2026-10-03T00:00:00Z", source_region="SE", destination_region="US", transfer_mechanism=r"$\frac{$")]
    folder = write_input(tmp_path / "in", access_events=rows, consent_events=[consent("c1", "2026-10-01T00:00:00Z")],
                         admin_events=SETUP)
    db = str(tmp_path / "a.duckdb")
    assert cli("load", str(folder), "--db", db).exit_code == 0
    report = cli("report", "--period", "2026-10", "--db", db, "--out", str(tmp_path / "out"), "--format", "html")
    assert report.exit_code == 0, report.output
    assert "$x^$" in (tmp_path / "out" / "report-2026-10.html").read_text()
    monkeypatch.setattr("auditor.evidence.render_pdf", lambda html: b"%PDF not rendered in this test")
    pack = cli("evidence", "--period", "2026-10", "--db", db, "--out", str(tmp_path / "pack.zip"))
    assert pack.exit_code == 0, pack.output


# --- Case 7: interruption, full disk, recursion ------------------------------------------------

def test_an_interrupted_report_is_one_line_exit_130_and_leaves_the_old_files_and_no_unfinished_run(
        sample_db, tmp_path, monkeypatch):
    out = tmp_path / "out"
    before = _old_report(out, "2026-08")
    args = ["report", "--period", "2026-08", "--db", sample_db, "--out", str(out), "--format", "html,pdf"]

    def interrupted(html: str) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr("auditor.report.render_pdf", interrupted)
    result = cli(*args, "--pseudonymize", env={"AUDITOR_PSEUDONYM_KEY": "k"})
    assert one_line_error(result, 130) and "interrupted" in result.output, result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no new HTML beside the old PDF

    import auditor.check as check

    calls = []

    def stopped_at_the_third(*a, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")
        return real(*a, **kw)

    real = check._run_one
    monkeypatch.setattr(check, "_run_one", stopped_at_the_third)
    result = cli("check", "--db", sample_db, "--period", "2026-07")
    assert one_line_error(result, 130), result.output
    con = duckdb.connect(sample_db, read_only=True)
    assert con.execute("SELECT count(*) FROM check_runs WHERE finished_at IS NULL").fetchone()[0] == 0
    con.close()


def _old_report(out: Path, period: str) -> dict[str, bytes]:
    """The files of an earlier report of `period` in `out`, by name (what must stay untouched)."""
    out.mkdir(parents=True, exist_ok=True)
    for name in (f"report-{period}.html", f"report-{period}.pdf", f"findings-{period}.csv"):
        (out / name).write_bytes(f"the earlier {name}\n".encode())
    return {p.name: p.read_bytes() for p in out.iterdir()}


def _big_access_log(folder: Path, rows: int) -> Path:
    """A valid access_events.csv of `rows` rows, made by DuckDB in a second."""
    folder.mkdir(parents=True, exist_ok=True)
    write_input(folder, access_events=[access("a0", "2026-10-01T10:00:00Z")])
    duckdb.sql(f"""COPY (SELECT 'a' || i AS event_id, '2026-10-01T10:00:00Z' AS occurred_at, 'u' || (i % 1000) AS user_id,
        'linkedin_to_microsoft' AS direction, 'profile' AS category, 's' || i AS session_id
        FROM range({rows}) t(i)) TO '{folder / "access_events.csv"}' (HEADER)""")
    return folder


def test_ctrl_c_during_a_load_is_one_line_exit_130_and_leaves_no_database(tmp_path):
    folder = _big_access_log(tmp_path / "in", 1_500_000)
    db = tmp_path / "new.duckdb"
    child = subprocess.Popen([sys.executable, "-c", "from auditor.cli import main; main()", "load", str(folder), "--db", str(db)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not db.exists() and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    time.sleep(0.4)  # well into the load (hashing or reading; the load takes seconds)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, (out, err)
    assert err.startswith("error: interrupted") and len(err.splitlines()) == 1, err
    assert not db.exists()


def _limited_file_size(kb: int):
    """For a child: files it writes may grow to `kb` KB, then writes fail (EFBIG, as on a full disk:
    Python ignores SIGXFSZ)."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (kb * 1024, kb * 1024))


def _auditor(*args: str, kb: int, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from auditor.cli import main; main()", *args], capture_output=True,
                          text=True, preexec_fn=_limited_file_size(kb), cwd=cwd, timeout=120)


def test_a_full_disk_is_one_line_exit_2_during_load_report_sample_and_check(sample_db, tmp_path, monkeypatch):
    load = _auditor("load", str(SAMPLE), "--db", "full.duckdb", kb=1024, cwd=tmp_path)
    assert load.returncode == 2 and len(load.stderr.splitlines()) == 1 and "too large" in load.stderr, load.stderr
    assert not (tmp_path / "full.duckdb").exists()
    sample = _auditor("sample", "--out", "smp", kb=64, cwd=tmp_path)
    assert sample.returncode == 2 and len(sample.stderr.splitlines()) == 1, sample.stderr

    import errno

    import auditor.files as files

    out = tmp_path / "out"
    before = _old_report(out, "2026-09")
    real = files._write_temp

    def the_csv_fills_the_disk(fd, tmp, raw):
        if Path(tmp).name.startswith(".findings-"):
            os.close(fd)
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, tmp, raw)

    monkeypatch.setattr(files, "_write_temp", the_csv_fills_the_disk)
    report = cli("report", "--period", "2026-09", "--db", sample_db, "--out", str(out), "--format", "html")
    assert one_line_error(report) and f"{out / 'findings-2026-09.csv'}: No space left on device" in report.output, \
        report.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # and no temporary file left
    monkeypatch.undo()
    check = cli("check", "--db", sample_db, "--period", "2026-08", "--format", "csv", "--output", "/dev/full")
    assert one_line_error(check) and "No space left on device" in check.output, check.output


def test_a_deeply_nested_export_is_one_line_naming_the_file(tmp_path):
    depth = 100_000
    export = tmp_path / "directoryAudits.json"
    export.write_text('{"@odata.context": "x/directoryAudits", "value": [{"activityDisplayName": "Add member to group",'
                      f' "x": {"[" * depth}{"]" * depth}}}')
    result = cli("load", str(export), "--db", str(tmp_path / "a.duckdb"))
    assert one_line_error(result) and str(export) in result.output and "nested too deeply" in result.output, result.output


# --- Case 9: spreadsheet formulas in CSV outputs, control characters in HTML -------------------

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"]  # a tab or CR is trimmed on load


def test_a_leading_tab_or_carriage_return_is_neutralised_too():
    import pandas as pd

    from auditor.outputs import findings_csv

    frame = pd.DataFrame({"event_id": ["\tx", "\rx", "a-1", None], "waived": [False, False, True, False]})
    assert findings_csv(frame).split("\n")[1:3] == ["'\tx,false", "\"'\rx\",false"]  # a CR inside a value is quoted
    assert findings_csv(frame).endswith("a-1,true\n,false\n")


def test_formula_cells_are_neutralised_in_every_csv_auditor_writes(tmp_path, monkeypatch):
    import csv
    import io
    import zipfile

    from test_controls import request

    rows = [access(f"{f}", "2026-10-02T00:00:00Z", user_id="u1") for f in FORMULAS]  # no consent: each a finding
    folder = write_input(tmp_path / "in", access_events=rows, consent_events=[consent("c1", "2026-10-09T00:00:00Z", user="u2")],
                         admin_events=SETUP, dsr_requests=[request("@SUM(1)", "2026-10-01T00:00:00Z", user_id="=1+1")])
    db = str(tmp_path / "a.duckdb")
    assert cli("load", str(folder), "--db", db).exit_code == 0

    def cells(text: str, column: str) -> set[str]:
        return {r[column] for r in csv.DictReader(io.StringIO(text))}

    wanted = {"'" + f for f in FORMULAS}
    check = cli("check", "--db", db, "--period", "2026-10", "--format", "csv", "--control", "consent-before-access")
    assert cells(check.output, "event_id") == wanted, check.output
    assert cli("report", "--period", "2026-10", "--db", db, "--out", str(tmp_path / "out"), "--format", "html").exit_code == 0
    report_csv = (tmp_path / "out" / "findings-2026-10.csv").read_text()
    assert wanted <= cells(report_csv, "event_id")
    monkeypatch.setattr("auditor.evidence.render_pdf", lambda html: b"%PDF not rendered in this test")
    assert cli("evidence", "--period", "2026-10", "--db", db, "--out", str(tmp_path / "p.zip")).exit_code == 0
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        assert zf.read("findings/findings.csv").decode() == report_csv
    dsr = cli("dsr", "--db", db, "--format", "csv", "--as-of", "2026-10-05T00:00:00Z")
    assert cells(dsr.output, "request_id") == {"'@SUM(1)"} and cells(dsr.output, "user_id") == {"'=1+1"}
    assert cells(dsr.output, "days_left") == {"27"}  # numbers stay numbers


def test_control_characters_never_reach_the_html(tmp_path):
    import json

    folder = write_input(tmp_path / "in", access_events=[access("a1", "2026-10-02T00:00:00Z")],
                         consent_events=[consent("c1", "2026-10-01T00:00:00Z")])
    (folder / "users.jsonl").write_text(json.dumps({"user_id": "u1", "display_name": "Al\u0000ice\u001b[2J\u0085"}) + "\n")
    db = str(tmp_path / "a.duckdb")
    assert cli("load", str(folder), "--db", db).exit_code == 0
    result = cli("subject", "u1", "--db", db, "--out", str(tmp_path / "out"), "--format", "html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "subject-u1.html").read_text()
    assert "Alice[2J" in html and not any(c in html for c in "\u0000\u001b\u0085")


# --- Case 11: read-only databases, keygen ---------------------------------------------------------

@contextlib.contextmanager
def unwritable(*paths: Path):
    """Make files and folders unwritable, even to root (which ignores modes): the immutable flag
    for root, read-only modes otherwise."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", *map(str, paths)],
                                                              capture_output=True).returncode != 0:
            pytest.skip("running as root without chattr +i: cannot make a file read-only")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
        return
    modes = {p: p.stat().st_mode for p in paths}
    for p in paths:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        yield
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


def test_a_read_only_database_serves_every_command_that_only_reads(sample_db, tmp_path):
    import hashlib

    archive = tmp_path / "archive"
    archive.mkdir()
    db = archive / "audit.duckdb"
    shutil.copy(sample_db, db)
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    with unwritable(db, archive):
        dsr = cli("dsr", "--db", str(db), "--format", "csv")
        assert dsr.exit_code == 0 and dsr.output.startswith("request_id,"), dsr.output
        subject = cli("subject", "pu-aad-1", "--db", str(db), "--out", str(tmp_path / "out"), "--format", "json,html")
        assert subject.exit_code == 0, subject.output
        assert cli("check", "--db", str(db), "--period", "2026-08", "--format", "json").exit_code == 1  # findings
        report = cli("report", "--db", str(db), "--period", "2026-08", "--out", str(tmp_path / "out"))
        assert report.exit_code == 0 and (tmp_path / "out" / "report-2026-08.pdf").exists(), report.output
        load = cli("load", str(SAMPLE), "--db", str(db))
        assert one_line_error(load) and "read-only" in load.output, load.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest and sorted(p.name for p in archive.iterdir()) == [db.name]


def test_a_read_only_database_made_before_a_run_table_gained_a_column_still_serves(sample_db, tmp_path):
    """check_runs.findings_since came later: an archived database without it is judged all the
    same (its run tables are shadowed by temporary ones), and is not written."""
    import hashlib

    archive = tmp_path / "archive"
    archive.mkdir()
    db = archive / "audit.duckdb"
    shutil.copy(sample_db, db)
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE check_runs DROP COLUMN findings_since")
    con.close()
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    with unwritable(db, archive):
        result = cli("check", "--db", str(db), "--period", "2026-08", "--format", "json")
        assert result.exit_code == 1 and '"verdict": "not_compliant"' in result.output, result.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


def test_keygen_overwrites_neither_key_and_follows_no_link(tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "auditor-signing-key.pub.pem").write_text("the key auditors were given\n")
    result = cli("keygen", "--out", str(keys))
    assert one_line_error(result) and "refusing to overwrite" in result.output, result.output
    assert (keys / "auditor-signing-key.pub.pem").read_text() == "the key auditors were given\n"
    assert not (keys / "auditor-signing-key.pem").exists()

    elsewhere = tmp_path / "elsewhere.pem"
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "auditor-signing-key.pub.pem").symlink_to(elsewhere)  # dangling: a plain open would create it
    assert one_line_error(cli("keygen", "--out", str(linked)))
    assert not elsewhere.exists() and not (linked / "auditor-signing-key.pem").exists()


# --- Cases 3, 4, 5, 8: nothing lost, one snapshot, no link out, lines named, no hang -------------

HEADER = "event_id,occurred_at,user_id,direction,category,session_id\n"


def csv_row(i: int, session: str | None = None) -> str:
    return f"a{i},2026-10-01T10:00:00Z,u1,linkedin_to_microsoft,profile,{session or f's{i}'}\n"


def jsonl_row(i: int, session: str | None = None) -> str:
    import json

    return json.dumps({"event_id": f"a{i}", "occurred_at": "2026-10-01T10:00:00Z", "user_id": "u1",
                       "direction": "linkedin_to_microsoft", "category": "profile", "session_id": session or f"s{i}"}) + "\n"


def with_consent(folder: Path) -> Path:
    write_input(folder, access_events=[access("a0")])
    for f in folder.glob("access_events.*"):
        f.unlink()
    return folder


@pytest.mark.parametrize("name", ["access_events.csv", "access_events.jsonl", "access_events.csv.gz"])
def test_a_record_longer_than_32_mb_is_never_dropped(tmp_path, name):
    import gzip

    folder = with_consent(tmp_path / "in")
    long = "x" * (33 << 20)
    if name.endswith(".jsonl"):
        text = jsonl_row(1) + jsonl_row(2, long) + jsonl_row(3)
    elif name.endswith(".gz"):  # junk after the data: 33 MB of zeros at the end of the stream, no line break
        text = HEADER + csv_row(1) + csv_row(3) + "\0" * (33 << 20)
    else:
        text = HEADER + csv_row(1) + csv_row(2, long) + csv_row(3)
    data = text.encode()
    (folder / name).write_bytes(gzip.compress(data, 1) if name.endswith(".gz") else data)
    result = cli("load", str(folder), "--db", str(tmp_path / "a.duckdb"))
    line = {"access_events.csv": 3, "access_events.jsonl": 2, "access_events.csv.gz": 4}[name]
    assert one_line_error(result) and f"line {line}: a record longer than 32 MB" in result.output, result.output


def test_records_lost_after_a_quote_left_open_are_refused_not_dropped(tmp_path):
    folder = with_consent(tmp_path / "in")
    rows = [csv_row(i, '"open' if i == 150_000 else None) for i in range(300_000)]
    (folder / "access_events.csv").write_text(HEADER + "".join(rows))
    result = cli("load", str(folder), "--db", str(tmp_path / "a.duckdb"))
    assert one_line_error(result) and "after line 150002, whose quoted value is never closed" in result.output, result.output


def test_a_file_that_grows_while_it_is_read_is_refused(tmp_path, monkeypatch):
    import auditor.ingest as ingest

    folder = with_consent(tmp_path / "in")
    (folder / "access_events.csv").write_text(HEADER + csv_row(1))
    hashed = ingest.sha256_of

    def then_appended(path, count_lines=False):
        digest = hashed(path, count_lines)
        if path.name == "access_events.csv":
            with path.open("a") as fh:  # the export is still being written
                fh.write(csv_row(2))
        return digest

    monkeypatch.setattr(ingest, "sha256_of", then_appended)
    result = cli("load", str(folder), "--db", str(tmp_path / "a.duckdb"))
    assert one_line_error(result) and "changed while it was read" in result.output, result.output


def test_no_symbolic_link_leads_out_of_the_input_folder_or_back_into_it(tmp_path):
    folder = write_input(tmp_path / "in")
    (folder / "users").symlink_to(".")
    looped = cli("load", str(folder), "--db", str(tmp_path / "a.duckdb"))
    assert one_line_error(looped) and f"{folder / 'users'}: a symbolic link" in looped.output, looped.output
    (folder / "users").unlink()
    outside = write_input(tmp_path / "elsewhere", dsr_requests=[])
    (folder / "dsr_requests.csv").symlink_to(outside / "dsr_requests.csv")
    out = cli("load", str(folder), "--db", str(tmp_path / "b.duckdb"))
    assert one_line_error(out) and "outside the input folder" in out.output, out.output
    (folder / "dsr_requests.csv").unlink()
    (folder / "exports").mkdir()
    (folder / "consent_events.csv").rename(folder / "exports" / "consent.csv")
    (folder / "consent_events.csv").symlink_to(folder / "exports" / "consent.csv")  # inside: read like the file
    assert cli("load", str(folder), "--db", str(tmp_path / "c.duckdb")).exit_code == 0


def test_invalid_utf8_near_the_top_is_quarantined_with_its_line(tmp_path):
    folder = with_consent(tmp_path / "in")
    data = (HEADER + "".join(csv_row(i) for i in range(1, 10))).encode().replace(b"a5,", b"a5\xff,")
    (folder / "access_events.csv").write_bytes(data)
    db = tmp_path / "a.duckdb"
    result = cli("load", str(folder), "--db", str(db))
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT line, rule FROM rejected_rows").fetchall() == [(6, "malformed_record")]
    con.close()


def test_a_stray_carriage_return_is_refused_naming_its_line(tmp_path):
    folder = with_consent(tmp_path / "in")
    (folder / "access_events.csv").write_text(HEADER + csv_row(1) + csv_row(2, "s\r2") + csv_row(3), newline="")
    result = cli("load", str(folder), "--db", str(tmp_path / "a.duckdb"))
    assert one_line_error(result) and "line 3: a carriage return (CR) inside an unquoted value" in result.output, \
        result.output


def test_a_fifo_given_as_configuration_or_waivers_is_one_line_not_a_hang(sample_db, tmp_path):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    for args in (["--config", str(fifo), "config"], ["check", "--db", sample_db, "--waivers", str(fifo)],
                 ["verify", str(fifo)]):
        done = subprocess.run([sys.executable, "-c", "from auditor.cli import main; main()", *args],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 2 and "not a regular file" in done.stderr and len(done.stderr.splitlines()) == 1, done


# --- Case 10: memory bounded for pathological inputs ---------------------------------------------

LIMITED = '[duckdb]\nmemory_limit = "256MB"\nthreads = 2\n'


def test_a_blank_line_flood_in_a_gz_stays_within_memory(tmp_path):
    import gzip

    from conftest import run_auditor

    folder = with_consent(tmp_path / "in")
    flood = HEADER + csv_row(1) + "\n" * (16 << 20) + csv_row(2)
    (folder / "access_events.csv.gz").write_bytes(gzip.compress(flood.encode(), 6))
    assert (folder / "access_events.csv.gz").stat().st_size < 100_000
    (tmp_path / "auditor.toml").write_text(LIMITED)
    code, out, err, peak_mb = run_auditor("--config", str(tmp_path / "auditor.toml"), "load", str(folder),
                                          "--db", str(tmp_path / "a.duckdb"))
    assert code == 0, err
    assert peak_mb < 450, peak_mb
    con = duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)
    read = con.execute("SELECT rows_read, rows_loaded + rows_rejected + duplicates FROM loaded_files "
                       "WHERE log = 'access_events'").fetchone()
    assert read == (2, 2)  # every record counted, if not every one loaded (DuckDB reads the flood as a long line)
    con.close()


def test_a_file_of_10000_columns_is_refused_within_memory(tmp_path):
    from conftest import run_auditor

    folder = with_consent(tmp_path / "in")
    extra = [f"x{i}" for i in range(9994)]
    header = HEADER.strip() + "," + ",".join(extra) + "\n"
    rows = "".join(csv_row(i).strip() + "," + ",".join("v" * len(extra)) + "\n" for i in range(480))
    (folder / "access_events.csv").write_text(header + rows)
    (tmp_path / "auditor.toml").write_text(LIMITED)
    code, out, err, peak_mb = run_auditor("--config", str(tmp_path / "auditor.toml"), "load", str(folder),
                                          "--db", str(tmp_path / "a.duckdb"), timeout=300)
    assert code == 2 and "10,000 columns, more than the 1,000 a log may have" in err, err
    assert peak_mb < 450, peak_mb


def test_a_decompression_bomb_is_refused_within_memory(tmp_path):
    """A .gz of a few hundred KB inflating to 128 MB of zeros after its records: one "line" DuckDB
    skips, streamed through (never held) and refused naming it."""
    import gzip

    from conftest import run_auditor

    folder = with_consent(tmp_path / "in")
    with gzip.open(folder / "access_events.csv.gz", "wb", compresslevel=6) as fh:
        fh.write((HEADER + csv_row(1)).encode())
        zeros = bytes(1 << 20)
        for _ in range(128):
            fh.write(zeros)
    assert (folder / "access_events.csv.gz").stat().st_size < 200_000
    (tmp_path / "auditor.toml").write_text(LIMITED)
    code, out, err, peak_mb = run_auditor("--config", str(tmp_path / "auditor.toml"), "load", str(folder),
                                          "--db", str(tmp_path / "a.duckdb"))
    assert code == 2 and "line 3: a record longer than 32 MB" in err, err
    assert peak_mb < 450, peak_mb
