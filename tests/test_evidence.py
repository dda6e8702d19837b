"""Evidence packs: what an auditor verifies, and every way a pack can be tampered with."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE

import duckdb

from auditor.check import CheckRun
from auditor.cli import main
from auditor.outputs import findings_frame, findings_parquet


def cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env)


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    """A signed pack of 2026-08 with inputs, then an unsigned pack of 2026-09 from the same database.
    What these tests verify does not depend on the report in a pack, whose charts and PDF take
    seconds to render (the packs of the waiver and own-control tests hold real ones)."""
    root = tmp_path_factory.mktemp("evidence")
    db = str(root / "audit.duckdb")
    assert cli("load", str(SAMPLE), "--db", db).exit_code == 0
    assert cli("keygen", "--out", str(root / "keys")).exit_code == 0
    with pytest.MonkeyPatch.context() as mp:
        unrendered(mp)
        first = cli("evidence", "--period", "2026-08", "--db", db, "--out", str(root / "2026-08.zip"),
                    "--include-inputs", "--sign-key", str(root / "keys" / "auditor-signing-key.pem"))
        assert first.exit_code == 0, first.output
        second = cli("evidence", "--period", "2026-09", "--db", db, "--out", str(root / "2026-09.zip"))
        assert second.exit_code == 0, second.output
    return root


def unrendered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Packs made while it is in force hold a placeholder report, not a rendered one."""
    monkeypatch.setattr("auditor.evidence.render_html", lambda *args: "<html>not rendered in this test</html>")
    monkeypatch.setattr("auditor.evidence.render_pdf", lambda html: b"%PDF not rendered in this test")


def verify(*args: str):
    return cli("verify", *args)


def test_a_signed_pack_verifies_and_reruns(packs):
    result = verify(str(packs / "2026-08.zip"), "--public-key", str(packs / "keys" / "auditor-signing-key.pub.pem"), "--rerun")
    assert result.exit_code == 0, result.output
    assert "signature: valid" in result.output and "reproduced row for row" in result.output
    assert "verdict not_compliant reproduced" in result.output
    with zipfile.ZipFile(packs / "2026-08.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert "queries/coverage/gaps.sql" in zf.namelist()
    assert (manifest["verdict"], manifest["coverage"], manifest["gaps"]) == ("not_compliant", "covered", [])
    assert manifest["window"] == {"start": "2026-08-01T00:00:00Z", "end": "2026-09-01T00:00:00Z"}


def test_an_unsigned_pack_holds_together_and_its_chain_holds_but_is_not_verified(packs):
    result = verify(str(packs / "2026-09.zip"), "--previous", str(packs / "2026-08.zip"))
    assert result.exit_code == 3, result.output
    assert "not signed" in result.output and "chain: follows 2026-08 (2026-08.zip, manifest " in result.output
    assert "not verified: the pack is not signed" in result.output.splitlines()[-1]


def test_a_broken_chain_is_detected(packs):
    result = verify(str(packs / "2026-08.zip"), "--previous", str(packs / "2026-09.zip"))
    assert result.exit_code == 1 and "chain broken" in result.output


def test_a_wrong_public_key_fails(packs, tmp_path):
    assert cli("keygen", "--out", str(tmp_path)).exit_code == 0
    result = verify(str(packs / "2026-08.zip"), "--public-key", str(tmp_path / "auditor-signing-key.pub.pem"))
    assert result.exit_code == 1 and "does not verify" in result.output
    unsigned = verify(str(packs / "2026-09.zip"), "--public-key", str(tmp_path / "auditor-signing-key.pub.pem"))
    assert unsigned.exit_code == 1 and "unsigned" in unsigned.output


def test_keygen_writes_a_private_key_only_its_owner_can_read_and_never_overwrites_one(tmp_path):
    assert cli("keygen", "--out", str(tmp_path)).exit_code == 0
    assert (tmp_path / "auditor-signing-key.pem").stat().st_mode & 0o777 == 0o600
    again = cli("keygen", "--out", str(tmp_path))
    assert again.exit_code == 2 and "refusing to overwrite" in again.output


def test_a_pack_holds_the_waivers_whose_hash_its_run_records_and_reruns_with_them(tmp_path):
    db = str(tmp_path / "audit.duckdb")
    assert cli("load", str(SAMPLE), "--db", db).exit_code == 0
    waivers = tmp_path / "waivers.toml"
    waivers.write_text('[[waiver]]\ncontrol = "access-after-disconnect"\nevent_id = "p-aad-1"\n'
                       'reason = "restore test"\napproved_by = "DPO"\nexpires = 2030-01-01\n')
    made = cli("evidence", "--period", "2026-09", "--db", db, "--out", str(tmp_path / "p.zip"), "--include-inputs",
               "--waivers", str(waivers))
    assert made.exit_code == 0, made.output
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        assert zf.read("waivers.toml") == waivers.read_bytes()
        run = json.loads(zf.read("run.json"))
    assert run["waivers_sha256"] == hashlib.sha256(waivers.read_bytes()).hexdigest()
    result = verify(str(tmp_path / "p.zip"), "--rerun")
    assert result.exit_code == 3 and "reproduced row for row" in result.output, result.output


def test_a_rerun_needs_the_inputs(packs):
    result = verify(str(packs / "2026-09.zip"), "--rerun")
    assert result.exit_code == 1 and "--include-inputs" in result.output


def rewrite(src: Path, dst: Path, change) -> None:
    """Copy a pack, letting change(files) alter the dict of name -> bytes."""
    with zipfile.ZipFile(src) as zf:
        files = {i.filename: zf.read(i) for i in zf.infolist()}
    change(files)
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def pack_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return [n for n in zf.namelist() if n not in ("manifest.json", "manifest.sig", "public_key.pem")]


def test_altering_one_byte_of_any_file_is_named(packs, tmp_path):
    src = packs / "2026-09.zip"
    for name in pack_names(src):
        def flip(files, name=name):
            data = bytearray(files[name])
            data[len(data) // 2] ^= 0x01
            files[name] = bytes(data)

        rewrite(src, tmp_path / "bad.zip", flip)
        result = verify(str(tmp_path / "bad.zip"))
        assert result.exit_code == 1, name
        assert f"altered: {name} " in result.output, name


def test_removing_adding_or_editing_the_manifest_is_named(packs, tmp_path):
    src = packs / "2026-08.zip"
    rewrite(src, tmp_path / "removed.zip", lambda files: files.pop("run.json"))
    assert "missing: run.json" in verify(str(tmp_path / "removed.zip")).output
    rewrite(src, tmp_path / "added.zip", lambda files: files.update({"notes.txt": b"trust me"}))
    assert "extra: notes.txt" in verify(str(tmp_path / "added.zip")).output

    def edit(files):  # make the manifest agree with an altered findings file: only the signature can tell
        files["findings/findings.csv"] += b"made,up\n"
        manifest = json.loads(files["manifest.json"])
        import hashlib

        for entry in manifest["files"]:
            if entry["path"] == "findings/findings.csv":
                entry["sha256"] = hashlib.sha256(files["findings/findings.csv"]).hexdigest()
                entry["size"] = len(files["findings/findings.csv"])
        files["manifest.json"] = json.dumps(manifest).encode()

    rewrite(src, tmp_path / "edited.zip", edit)
    result = verify(str(tmp_path / "edited.zip"))
    assert result.exit_code == 1 and "signature: manifest.sig does not verify" in result.output
    rewrite(src, tmp_path / "stripped.zip", lambda files: (files.pop("manifest.sig"), edit(files)))
    assert "unsigned: the pack has no manifest.sig" in verify(str(tmp_path / "stripped.zip")).output


def test_not_a_pack_is_a_usage_error(tmp_path):
    (tmp_path / "x.zip").write_text("nope")
    assert verify(str(tmp_path / "x.zip")).exit_code == 2
    assert verify(str(tmp_path / "missing.zip")).exit_code == 2


def test_the_same_inputs_give_identical_findings_and_html(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1800000000"}
    outputs = []
    for n in (1, 2):
        db = str(tmp_path / f"{n}.duckdb")
        assert cli("load", str(SAMPLE), "--db", db).exit_code == 0
        out = tmp_path / f"out{n}"
        assert cli("report", "--period", "2026-08", "--db", db, "--out", str(out), "--format", "html", env=env).exit_code == 0
        files = {p.name: p.read_bytes() for p in out.iterdir()}
        con = duckdb.connect(db, read_only=True)
        run = CheckRun(1, None, None, [], None)
        files["findings.parquet"] = findings_parquet(findings_frame(con, run))
        con.close()
        outputs.append(files)
    assert outputs[0] == outputs[1]
    assert set(outputs[0]) == {"report-2026-08.html", "findings-2026-08.csv", "admin-changes-2026-08.csv", "findings.parquet"}
    assert b"2027-01-15 08:00 UTC" in outputs[0]["report-2026-08.html"]  # SOURCE_DATE_EPOCH is the generated-at time


# ---------------------------------------------------------------------------------------------
# The chain: by period, not by the order packs were made; re-issues


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """The sample data loaded once; each chain test packs from its own copy, since the database's
    evidence_packs is one of the places a pack's previous is found."""
    db = tmp_path_factory.mktemp("chain") / "loaded.duckdb"
    assert cli("load", str(SAMPLE), "--db", str(db)).exit_code == 0
    return db


@pytest.fixture
def chain_db(loaded, tmp_path, monkeypatch) -> str:
    shutil.copy(loaded, tmp_path / "audit.duckdb")
    unrendered(monkeypatch)  # the chain does not depend on the report
    return str(tmp_path / "audit.duckdb")


def pack(db: str, period: str, out: Path, *extra: str) -> str:
    made = cli("evidence", "--period", period, "--db", db, "--out", str(out), *extra)
    assert made.exit_code == 0, made.output
    return made.output


def manifest_of(path: Path) -> tuple[dict, str]:
    """A pack's manifest and its SHA-256 (what the next pack and a re-issue name)."""
    with zipfile.ZipFile(path) as zf:
        raw = zf.read("manifest.json")
    return json.loads(raw), hashlib.sha256(raw).hexdigest()


def test_a_reissued_month_supersedes_the_earlier_issue_and_verify_tells_them_apart(chain_db, tmp_path):
    a, b, a2 = tmp_path / "pack-2026-08.zip", tmp_path / "pack-2026-09.zip", tmp_path / "pack-2026-08-again.zip"
    assert "the first pack of its chain" in pack(chain_db, "2026-08", a)
    pack(chain_db, "2026-09", b)
    reissued = pack(chain_db, "2026-08", a2)
    (ma, ha), (mb, hb), (ma2, ha2) = manifest_of(a), manifest_of(b), manifest_of(a2)
    assert ma["previous"] is None and ma["supersedes"] is None and ma["version"] == 2
    assert mb["previous"] == {"period": "2026-08", "manifest_sha256": ha, "file": "pack-2026-08.zip"}
    assert ma2["previous"] is None  # nothing earlier than August: not September, made before it
    assert ma2["supersedes"] == {"period": "2026-08", "manifest_sha256": ha, "file": "pack-2026-08.zip"}
    assert f"re-issues 2026-08, superseding manifest {ha[:16]}… (pack-2026-08.zip)" in reissued
    assert "note: 2026-09 (pack-2026-09.zip" in reissued and "re-issue 2026-09 to follow this one" in reissued

    follows = verify(str(b), "--previous", str(a))
    assert follows.exit_code == 3, follows.output
    assert f"ok: chain: follows 2026-08 (pack-2026-08.zip, manifest {ha[:16]}…)" in follows.output
    supersedes = verify(str(a2), "--supersedes", str(a))
    assert supersedes.exit_code == 3, supersedes.output
    assert f"ok: re-issue: supersedes 2026-08 manifest {ha[:16]}… (pack-2026-08.zip)" in supersedes.output
    wrong = verify(str(b), "--previous", str(a2))
    assert wrong.exit_code == 1, wrong.output
    assert "FAIL: chain: this pack follows the earlier issue of 2026-08 (pack-2026-08.zip" in wrong.output
    assert "not pack-2026-08-again.zip" in wrong.output and "the re-issue that supersedes it" in wrong.output
    named = verify(str(a2))  # without the options: what the pack names, for a reader to see
    assert "ok: chain: the first pack of its chain" in named.output and "None" not in named.output
    assert "ok: re-issue: supersedes 2026-08 (pack-2026-08.zip" in named.output
    assert "ok: chain: names previous 2026-08 (pack-2026-08.zip" in verify(str(b)).output
    not_reissue = verify(str(b), "--supersedes", str(a))
    assert not_reissue.exit_code == 1 and "can supersede only a pack of 2026-09" in not_reissue.output

    # September again follows August's current issue (a2), not the superseded one still in the folder.
    pack(chain_db, "2026-09", tmp_path / "pack-2026-09-again.zip")
    mb2, _ = manifest_of(tmp_path / "pack-2026-09-again.zip")
    assert mb2["previous"] == {"period": "2026-08", "manifest_sha256": ha2, "file": "pack-2026-08-again.zip"}
    assert mb2["supersedes"] == {"period": "2026-09", "manifest_sha256": hb, "file": "pack-2026-09.zip"}


def test_a_pack_made_before_its_predecessor_is_first_of_its_chain_until_reissued(chain_db, tmp_path):
    september, august = tmp_path / "pack-2026-09.zip", tmp_path / "pack-2026-08.zip"
    pack(chain_db, "2026-09", september)
    pack(chain_db, "2026-08", august)
    (ms, hs), (ma, ha) = manifest_of(september), manifest_of(august)
    assert ms["previous"] is None and ma["previous"] is None  # August does not follow September
    unlinked = verify(str(september), "--previous", str(august))
    assert unlinked.exit_code == 1
    assert "this pack is the first of its chain" in unlinked.output and "re-issue 2026-09 to chain it" in unlinked.output

    # Re-issued over its own file: the old pack is read before it is replaced.
    assert "superseding manifest" in pack(chain_db, "2026-09", september)
    again, _ = manifest_of(september)
    assert again["previous"] == {"period": "2026-08", "manifest_sha256": ha, "file": "pack-2026-08.zip"}
    assert again["supersedes"] == {"period": "2026-09", "manifest_sha256": hs, "file": "pack-2026-09.zip"}
    assert verify(str(september), "--previous", str(august)).exit_code == 3


def test_the_database_names_the_previous_pack_when_the_folder_has_none(chain_db, tmp_path):
    pack(chain_db, "2026-08", tmp_path / "aug" / "pack.zip")
    out = pack(chain_db, "2026-09", tmp_path / "sep" / "pack.zip")
    (_, ha), (ms, _) = manifest_of(tmp_path / "aug" / "pack.zip"), manifest_of(tmp_path / "sep" / "pack.zip")
    assert ms["previous"] == {"period": "2026-08", "manifest_sha256": ha, "file": "pack.zip"}  # never the path
    assert f"follows 2026-08 (pack.zip, manifest {ha[:16]}…)" in out
    # Given, the previous pack wins over the folder and the database; it must be of an earlier period.
    pack(chain_db, "2026-07", tmp_path / "jul.zip")
    pack(chain_db, "2026-09", tmp_path / "sep" / "other.zip", "--previous", str(tmp_path / "jul.zip"))
    assert manifest_of(tmp_path / "sep" / "other.zip")[0]["previous"]["period"] == "2026-07"
    later = cli("evidence", "--period", "2026-08", "--db", chain_db, "--out", str(tmp_path / "x.zip"),
                "--previous", str(tmp_path / "sep" / "pack.zip"))
    assert later.exit_code == 2 and "not of an earlier period" in later.output and len(later.output.splitlines()) == 1
    over = cli("evidence", "--period", "2026-08", "--db", chain_db, "--out", str(tmp_path / "sep" / "pack.zip"))
    assert over.exit_code == 2 and "is the evidence pack of 2026-09" in over.output


def test_a_version_1_pack_still_verifies_and_an_unknown_version_is_refused(packs, tmp_path):
    _, previous = manifest_of(packs / "2026-08.zip")

    def version(number, named):
        def change(files):
            manifest = json.loads(files["manifest.json"])
            del manifest["previous"], manifest["supersedes"]
            manifest.update(version=number, previous_manifest_sha256=named)
            files["manifest.json"] = json.dumps(manifest).encode()
        return change

    rewrite(packs / "2026-09.zip", tmp_path / "v1.zip", version(1, previous))
    ok = verify(str(tmp_path / "v1.zip"), "--previous", str(packs / "2026-08.zip"))
    assert ok.exit_code == 3 and "version-1 pack" in ok.output, ok.output
    rewrite(packs / "2026-09.zip", tmp_path / "v1-first.zip", version(1, None))
    assert "the first pack of its chain" in verify(str(tmp_path / "v1-first.zip")).output
    rewrite(packs / "2026-09.zip", tmp_path / "v99.zip", version(99, previous))
    refused = verify(str(tmp_path / "v99.zip"))
    assert refused.exit_code == 2 and "pack version 99" in refused.output and len(refused.output.splitlines()) == 1


# ---------------------------------------------------------------------------------------------
# Hostile packs (issue 18, cases 1 and 2): nothing written outside, nothing of the pack run,
# nothing verified without the auditor's key, every byte covered, bounded memory, one line.


def forge(src: Path, dst: Path, change, entries: list[tuple[str, bytes]] | None = None) -> None:
    """A pack whose manifest agrees with `change(files)` (hashes and sizes recomputed), unsigned:
    what anyone can make without the signing key. `entries` are written as they are, unlisted."""
    with zipfile.ZipFile(src) as zf:
        files = {i.filename: zf.read(i) for i in zf.infolist()}
    for name in ("manifest.sig", "public_key.pem"):
        files.pop(name, None)
    manifest = json.loads(files.pop("manifest.json"))
    change(files)
    manifest["signed"] = False
    manifest["files"] = [{"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for p, d in sorted(files.items())]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in [*files.items(), ("manifest.json", json.dumps(manifest).encode()), *(entries or [])]:
            zf.writestr(name, data)


def one_line_error(result) -> bool:
    return result.exit_code == 2 and len(result.output.splitlines()) == 1 and result.output.startswith("error: ")


def test_a_pack_never_writes_outside_its_temporary_folder(packs, tmp_path):
    import tempfile
    import uuid

    name = f"auditor-escaped-{uuid.uuid4().hex}"
    outside = [Path(tempfile.gettempdir()) / name, Path(tempfile.gettempdir()).parent / name]
    for listed in (f"inputs/../../{name}", f"queries/../../../{name}", f"/{tempfile.gettempdir().strip('/')}/{name}"):
        forge(packs / "2026-08.zip", tmp_path / "evil.zip", lambda files: files.update({listed: b"escaped\n"}))
        result = verify(str(tmp_path / "evil.zip"), "--rerun")
        assert one_line_error(result) and "refused" in result.output, result.output
        assert not any(p.exists() for p in outside), listed


def test_no_sql_from_a_pack_is_run_even_when_its_hashes_agree(packs, tmp_path):
    written = tmp_path / "written-by-the-pack.csv"

    def inject(files):
        files["queries/views.sql"] += f"\nCOPY (SELECT 42 AS x) TO '{written}';\n".encode()

    forge(packs / "2026-08.zip", tmp_path / "sql.zip", inject)
    result = verify(str(tmp_path / "sql.zip"), "--rerun")
    assert one_line_error(result), result.output
    assert "re-run refused: queries/views.sql differs from this auditor" in result.output
    assert not written.exists()


def test_only_a_signature_checked_with_the_auditors_key_verifies(packs, tmp_path):
    unsigned = verify(str(packs / "2026-09.zip"))
    assert unsigned.exit_code == 3 and "not verified: the pack is not signed" in unsigned.output
    assert "verified" not in unsigned.output.replace("not verified", "")
    embedded_only = verify(str(packs / "2026-08.zip"))
    assert embedded_only.exit_code == 3, embedded_only.output
    assert "not verified: its signature was checked only against the key inside the pack" in embedded_only.output
    forged = tmp_path / "forged.zip"
    forge(packs / "2026-08.zip", forged, lambda files: files.update({"findings/findings.csv": b"control\n"}))
    assert verify(str(forged)).exit_code == 3  # consistent, but nobody vouches for it


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_pack_with_two_entries_of_one_name_is_refused_unread(packs, tmp_path):
    with zipfile.ZipFile(packs / "2026-08.zip") as zf:
        files = [(i.filename, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(tmp_path / "twice.zip", "w") as zf:
        for name, data in files:
            if name == "findings/findings.csv":
                zf.writestr(name, b"control\nforged,row\n")  # what `unzip` would leave on disk, over the real one
            zf.writestr(name, data)
    result = verify(str(tmp_path / "twice.zip"), "--public-key", str(packs / "keys" / "auditor-signing-key.pub.pem"))
    assert one_line_error(result) and "two entries are named 'findings/findings.csv'" in result.output, result.output


def test_every_byte_of_a_pack_is_covered_including_its_public_key(packs, tmp_path):
    def flip_key(files):
        pem = bytearray(files["public_key.pem"])
        pem[40] ^= 0x01
        files["public_key.pem"] = bytes(pem)

    rewrite(packs / "2026-08.zip", tmp_path / "key.zip", flip_key)
    result = verify(str(tmp_path / "key.zip"), "--public-key", str(packs / "keys" / "auditor-signing-key.pub.pem"))
    assert result.exit_code == 1 and "public_key.pem in the pack is not the key" in result.output, result.output


@pytest.mark.parametrize("manifest, rerun", [
    ({"files": 5}, False), ({"files": []}, True), ({"files": [{"path": "run.json"}]}, False),
    ({"files": [{"path": "x", "sha256": "0" * 64, "size": True}]}, False), ("[" * 100_000 + "]" * 100_000, False),
])
def test_a_malformed_manifest_is_one_line(packs, tmp_path, manifest, rerun):
    with zipfile.ZipFile(tmp_path / "m.zip", "w") as zf:
        base = {"version": 2, "period": "2026-08", "previous": None, "supersedes": None}
        zf.writestr("manifest.json", manifest if isinstance(manifest, str) else json.dumps({**base, **manifest}))
    result = verify(str(tmp_path / "m.zip"), *(["--rerun"] if rerun else []))
    assert one_line_error(result), result.output
    assert "manifest" in result.output or "re-run impossible" in result.output, result.output


def test_an_entry_inflating_beyond_its_manifest_size_is_not_read(packs, tmp_path):
    """A pack of a few MB holding an entry of hundreds of MB of zeros (a decompression bomb) in
    place of the PDF: named as altered from the zip's directory, without inflating it."""
    from conftest import run_auditor

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(packs / "2026-08.zip") as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "reports/report-2026-08.pdf":
                dst.writestr(info.filename, src.read(info))
                continue
            with dst.open(info.filename, "w", force_zip64=True) as fh:
                zeros = bytes(1 << 20)
                for _ in range(384):
                    fh.write(zeros)
    assert bomb.stat().st_size < 10 << 20
    code, out, err, peak_mb = run_auditor("verify", str(bomb))
    assert code == 1 and "altered: reports/report-2026-08.pdf" in out, (out, err)
    assert peak_mb < 250, peak_mb


def test_a_comment_in_the_zip_is_named_no_hash_covers_it(packs, tmp_path):
    import shutil as sh

    sh.copy(packs / "2026-08.zip", tmp_path / "c.zip")
    with zipfile.ZipFile(tmp_path / "c.zip", "a") as zf:
        zf.comment = b"hidden words"
    result = verify(str(tmp_path / "c.zip"), "--public-key", str(packs / "keys" / "auditor-signing-key.pub.pem"))
    assert result.exit_code == 1 and "the zip carries a comment" in result.output, result.output
