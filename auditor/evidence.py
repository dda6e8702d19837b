"""Evidence packs an auditor can verify: `auditor evidence`, `auditor verify`, `auditor keygen`.

Modelled on the integrity validation of cloud audit trails: every file in the pack is hashed
(SHA-256) in `manifest.json`; the manifest names the previous pack's manifest hash for the same
database, so months form a chain; with a key, the manifest is signed with Ed25519.

Pack layout:
    manifest.json            version, tool, period, as_of, files [{path, sha256, size}], chain
    manifest.sig             Ed25519 signature of manifest.json (when signed)
    public_key.pem           the signer's public key (when signed; verify with a key you trust)
    run.json                 the check run: as_of, period, versions, hashes, control results
    config/auditor.toml      the effective configuration
    queries/schema.sql, queries/views.sql, queries/controls/*.sql   the SQL that ran
    waivers.toml             the waivers applied (when given)
    findings/findings.csv, findings/findings.parquet                 the period's findings
    reports/report-P.html, reports/report-P.pdf                      the monthly report
    inputs/<log>/<nnnn>-<name>   the input files (with --include-inputs), in load order
    inputs.json              every input file loaded: log, original path, SHA-256, size, counts
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from auditor import __version__
from auditor.check import CheckRun, Period, run_check
from auditor.config import Config, load_config, to_toml
from auditor.controls import catalogue
from auditor.db import connect, iso
from auditor.errors import AuditorError
from auditor.ingest import load
from auditor.render import generated_at, write_atomic
from auditor.report import (
    Pseudonymizer,
    find_or_run,
    findings_csv,
    findings_frame,
    findings_parquet,
    render_html,
    render_pdf,
)
from auditor.resources import queries_dir
from auditor.waivers import load_waivers

PACK_VERSION = 1
UNLISTED = {"manifest.json", "manifest.sig", "public_key.pem"}
# Fixed zip entry time, so the same contents give the same zip bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def keygen(out_dir: Path) -> tuple[Path, Path]:
    """Write an Ed25519 key pair: auditor-signing-key.pem (private, mode 0600) and .pub.pem."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = out_dir / "auditor-signing-key.pem"
    public = out_dir / "auditor-signing-key.pub.pem"
    if private.exists():
        raise AuditorError(f"{private}: exists; refusing to overwrite a signing key")
    out_dir.mkdir(parents=True, exist_ok=True)
    # Created readable by the owner only, never for a moment by others (and never over a file
    # that appeared meanwhile).
    with os.fdopen(os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    public.write_bytes(_public_pem(key))
    return private, public


def _load_private_key(path: Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise AuditorError(f"{path}: not a readable PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditorError(f"{path}: not an Ed25519 key (make one with `auditor keygen`)")
    return key


def _public_pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def pack_files(con: duckdb.DuckDBPyConnection, config: Config, run: CheckRun, label: str,
               waivers_raw: bytes | None, include_inputs: bool) -> dict[str, bytes]:
    """Every file of the pack but the manifest, by its path in the pack."""
    files: dict[str, bytes] = {}
    controls = catalogue()
    for name in ("schema.sql", "views.sql"):
        files[f"queries/{name}"] = (queries_dir() / name).read_bytes()
    for c in controls:
        files[f"queries/controls/{c.path.name}"] = c.sql.encode("utf-8")
    files["config/auditor.toml"] = to_toml(config).encode("utf-8")
    if waivers_raw is not None:
        files["waivers.toml"] = waivers_raw
    frame = findings_frame(con, run)
    files["findings/findings.csv"] = findings_csv(frame).encode("utf-8")
    files["findings/findings.parquet"] = findings_parquet(frame)
    html = render_html(con, config, run, label, Pseudonymizer(None))
    files[f"reports/report-{label}.html"] = html.encode("utf-8")
    files[f"reports/report-{label}.pdf"] = render_pdf(html)
    results = con.execute(
        "SELECT control, severity, status, findings, waived, detail FROM control_results WHERE run_id = ? ORDER BY control",
        [run.run_id],
    ).fetchall()
    meta = con.execute(
        "SELECT config_sha256, control_sha256, waivers_sha256, tool_version, duckdb_version FROM check_runs WHERE run_id = ?",
        [run.run_id],
    ).fetchone()
    files["run.json"] = _json({
        "run_id": run.run_id, "as_of": iso(run.as_of), "period": label,
        "period_start": iso(run.period.start) if run.period else None,
        "period_end": iso(run.period.end) if run.period else None,
        "config_sha256": meta[0], "control_sha256": json.loads(meta[1]), "waivers_sha256": meta[2],
        "tool_version": meta[3], "duckdb_version": meta[4],
        "controls": [dict(zip(("id", "severity", "status", "findings", "waived", "detail"), r)) for r in results],
    })
    loaded = con.execute(
        "SELECT file_id, log, path, format, size_bytes, sha256, rows_read, rows_loaded, rows_rejected, duplicates "
        "FROM loaded_files ORDER BY file_id"
    ).fetchall()
    inputs = []
    for file_id, log, path, fmt, size, sha, read, loaded_rows, rejected, dups in loaded:
        entry = {"log": log, "path": path, "format": fmt, "size": size, "sha256": sha, "rows_read": read,
                 "rows_loaded": loaded_rows, "rows_rejected": rejected, "duplicates": dups, "packed_as": None}
        if include_inputs:
            source = Path(path)
            try:
                data = source.read_bytes()
            except OSError as exc:
                raise AuditorError(f"{path}: cannot pack the input file: {exc.strerror}") from None
            if _sha(data) != sha:
                raise AuditorError(f"{path}: changed since it was loaded (SHA-256 differs); cannot pack it as evidence")
            entry["packed_as"] = f"inputs/{log}/{file_id:04d}-{source.name}"
            files[entry["packed_as"]] = data
        inputs.append(entry)
    files["inputs.json"] = _json(inputs)
    return files


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def make_pack(con: duckdb.DuckDBPyConnection, config: Config, label: str, period: Period, out: Path,
              waivers_path: Path | None, include_inputs: bool, sign_key: Path | None) -> dict[str, Any]:
    """Write the evidence pack of a period to `out` and record it in the database's chain."""
    controls = catalogue()
    waivers = load_waivers(waivers_path, {c.id for c in controls})
    key = _load_private_key(sign_key) if sign_key else None
    run = find_or_run(con, config, period, waivers)
    files = pack_files(con, config, run, label, waivers.raw, include_inputs)
    previous = con.execute("SELECT manifest_sha256 FROM evidence_packs ORDER BY pack_id DESC LIMIT 1").fetchone()
    manifest = {
        "version": PACK_VERSION,
        "tool": {"name": "auditor", "version": __version__, "duckdb": duckdb.__version__},
        "period": label,
        "as_of": iso(run.as_of),
        "created_at": iso(generated_at()),
        "previous_manifest_sha256": previous[0] if previous else None,
        "signed": key is not None,
        "files": [{"path": p, "sha256": _sha(d), "size": len(d)} for p, d in sorted(files.items())],
    }
    manifest_bytes = _json(manifest)
    files["manifest.json"] = manifest_bytes
    if key is not None:
        files["manifest.sig"] = key.sign(manifest_bytes)
        files["public_key.pem"] = _public_pem(key)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[path])
    write_atomic(out, buffer.getvalue())
    digest = _sha(manifest_bytes)
    con.execute(
        "INSERT INTO evidence_packs (period, run_id, manifest_sha256, previous_manifest_sha256, path, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [label, run.run_id, digest, manifest["previous_manifest_sha256"], str(out.resolve()), datetime.now(timezone.utc)],
    )
    return {"manifest_sha256": digest, "files": len(files), "run_id": run.run_id, "previous": manifest["previous_manifest_sha256"]}


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _read_pack(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as zf:
            return {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}
    except FileNotFoundError:
        raise AuditorError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise AuditorError(f"{path}: not a readable zip file ({exc})") from None


def _manifest(path: Path, files: dict[str, bytes]) -> dict[str, Any]:
    if "manifest.json" not in files:
        raise AuditorError(f"{path}: no manifest.json: not an auditor evidence pack")
    try:
        manifest = json.loads(files["manifest.json"])
        manifest["files"]  # noqa: B018 - must exist
    except (ValueError, KeyError, TypeError):
        raise AuditorError(f"{path}: manifest.json is not a valid manifest") from None
    return manifest


def verify(pack: Path, public_key: Path | None = None, rerun: bool = False, previous: Path | None = None) -> Verification:
    """Check every hash, the signature, optionally the chain and a re-run; list what does not hold."""
    files = _read_pack(pack)
    manifest = _manifest(pack, files)
    result = Verification()
    listed = {}
    for entry in manifest["files"]:
        listed[entry["path"]] = entry
        data = files.get(entry["path"])
        if data is None:
            result.problems.append(f"missing: {entry['path']} is in the manifest but not in the pack")
        elif _sha(data) != entry["sha256"] or len(data) != entry["size"]:
            result.problems.append(f"altered: {entry['path']} does not match its SHA-256 in the manifest")
    for name in sorted(set(files) - set(listed) - UNLISTED):
        result.problems.append(f"extra: {name} is in the pack but not in the manifest")
    _verify_signature(files, manifest, public_key, result)
    if previous is not None:
        prior = _read_pack(previous)
        _manifest(previous, prior)
        digest = _sha(prior["manifest.json"])
        if manifest.get("previous_manifest_sha256") != digest:
            result.problems.append(
                f"chain broken: this pack names previous manifest {manifest.get('previous_manifest_sha256')}, "
                f"but {previous.name} has manifest {digest}"
            )
        else:
            result.notes.append(f"chain: follows {previous.name} (manifest {digest[:16]}…)")
    if rerun:
        if result.problems:
            result.notes.append("re-run skipped: the pack's files do not match its manifest")
        else:
            _rerun(files, manifest, result)
    return result


def _verify_signature(files: dict[str, bytes], manifest: dict[str, Any], public_key: Path | None, result: Verification) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    signature = files.get("manifest.sig")
    if signature is None:
        if public_key is not None or manifest.get("signed"):
            result.problems.append("unsigned: the pack has no manifest.sig")
        else:
            result.notes.append("the pack is not signed")
        return
    if public_key is not None:
        try:
            key_pem = public_key.read_bytes()
        except OSError as exc:
            raise AuditorError(f"{public_key}: cannot read the public key: {exc.strerror}") from None
        source = str(public_key)
    elif "public_key.pem" in files:
        key_pem, source = files["public_key.pem"], "the key inside the pack (give --public-key for authenticity)"
    else:
        result.problems.append("signed, but no public key is in the pack or given with --public-key")
        return
    try:
        key = serialization.load_pem_public_key(key_pem)
    except ValueError:
        raise AuditorError("the public key is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditorError("the public key is not an Ed25519 key")
    try:
        key.verify(signature, files["manifest.json"])
        result.notes.append(f"signature: valid, checked with {source}")
    except InvalidSignature:
        result.problems.append(f"signature: manifest.sig does not verify with {source}")


def _rerun(files: dict[str, bytes], manifest: dict[str, Any], result: Verification) -> None:
    """Load the packed inputs into a fresh in-memory database, run the packed SQL with the packed
    configuration and as_of, and compare the findings row for row."""
    inputs = json.loads(files["inputs.json"])
    if not inputs or any(i["packed_as"] is None for i in inputs):
        result.problems.append("re-run impossible: the input files are not in the pack (make it with --include-inputs)")
        return
    run_meta = json.loads(files["run.json"])
    with tempfile.TemporaryDirectory(prefix="auditor-verify-") as tmp:
        root = Path(tmp)
        for name, data in files.items():
            if name.startswith(("inputs/", "queries/", "config/")) or name == "waivers.toml":
                target = root / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        config = load_config(root / "config" / "auditor.toml")
        con = connect(":memory:", config, queries=root / "queries")
        try:
            load(con, root / "inputs", config)
            controls = catalogue(root / "queries" / "controls")
            packed = root / "waivers.toml"
            waivers = load_waivers(packed if packed.exists() else None, {c.id for c in controls})
            as_of = datetime.fromisoformat(run_meta["as_of"].replace("Z", "+00:00"))
            period = None
            if run_meta["period_start"]:
                period = Period(datetime.fromisoformat(run_meta["period_start"].replace("Z", "+00:00")),
                                datetime.fromisoformat(run_meta["period_end"].replace("Z", "+00:00")))
            run = run_check(con, config, controls, as_of, period, waivers)
            again = findings_csv(findings_frame(con, run)).splitlines()
        finally:
            con.close()
    packed = files["findings/findings.csv"].decode("utf-8").splitlines()
    if again == packed:
        result.notes.append(f"re-run: {len(packed) - 1} finding(s) reproduced row for row")
        return
    missing, extra = sorted(set(packed) - set(again)), sorted(set(again) - set(packed))
    result.problems.append(f"re-run differs: {len(missing)} packed finding(s) not reproduced, {len(extra)} new")
    result.problems.extend(f"  only in the pack: {line}" for line in missing[:10])
    result.problems.extend(f"  only in the re-run: {line}" for line in extra[:10])
