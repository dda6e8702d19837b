"""Evidence packs an auditor can verify: `auditor evidence`, `auditor verify`, `auditor keygen`.

Modelled on the integrity validation of cloud audit trails: every file in the pack is hashed
(SHA-256) in `manifest.json`; the manifest names the pack of the latest earlier period (its
period, manifest hash and file name), so months form a chain whatever order they were made in;
a pack re-issuing a period names the pack it supersedes; with a key, the manifest is signed
with Ed25519.

Pack layout:
    manifest.json            version, tool, period, as_of, files [{path, sha256, size}],
                             previous and supersedes ({period, manifest_sha256, file} or null)
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

import contextlib
import hashlib
import io
import json
import os
import re
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable

import duckdb

from auditor import __version__
from auditor.check import CheckRun, find_or_run, run_check
from auditor.periods import Period
from auditor.config import Config, load_config, to_toml
from auditor.controls import Control, catalogue, control_files, with_paths
from auditor.db import connect, iso
from auditor.errors import AuditorError
from auditor.files import read_regular
from auditor.ingest import load
from auditor.render import generated_at, write_atomic
from auditor.outputs import findings_csv, findings_frame, findings_parquet
from auditor.pseudonym import Pseudonymizer
from auditor.report import render_html, render_pdf, trend_since
from auditor.resources import queries_dir, sql
from auditor.waivers import load_waivers

# Version 2 names the previous pack by period, hash and file, and a re-issue's superseded pack;
# version 1 named the previous manifest's hash alone (of the pack made last). verify reads both.
PACK_VERSION = 2
KNOWN_VERSIONS = (1, 2)
UNLISTED = {"manifest.json", "manifest.sig", "public_key.pem"}
# Fixed zip entry time, so the same contents give the same zip bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def keygen(out_dir: Path) -> tuple[Path, Path]:
    """Write an Ed25519 key pair: auditor-signing-key.pem (private, mode 0600) and .pub.pem.

    Neither key is ever overwritten, and neither name is followed if it is a symbolic link
    (dangling or not): a key pair is made whole, beside no other, or not at all."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = out_dir / "auditor-signing-key.pem"
    public = out_dir / "auditor-signing-key.pub.pem"
    for path in (private, public):
        if os.path.lexists(path):
            raise AuditorError(f"{path}: exists; refusing to overwrite a signing key")
    out_dir.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    made: list[Path] = []
    try:
        # The private key is readable by its owner only, never for a moment by others.
        for path, data, mode in ((private, pem, 0o600), (public, _public_pem(key), 0o644)):
            _create_new(path, data, mode)
            made.append(path)
    except BaseException:
        for path in made:
            path.unlink(missing_ok=True)
        raise
    return private, public


def _create_new(path: Path, data: bytes, mode: int) -> None:
    """Write a file that must not exist yet: never over one that appeared meanwhile, never
    through a symbolic link."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    except FileExistsError:
        raise AuditorError(f"{path}: exists; refusing to overwrite a signing key") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _load_private_key(path: Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(read_regular(path, "signing key", MAX_SMALL), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise AuditorError(f"{path}: not a readable PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditorError(f"{path}: not an Ed25519 key (make one with `auditor keygen`)")
    return key


def _public_pem(key: Any) -> bytes:
    """The PEM of a private key's public half, as a pack holds it."""
    return _public_pem_of(key.public_key())


def pack_files(con: duckdb.DuckDBPyConnection, config: Config, run: CheckRun, label: str,
               waivers_raw: bytes | None, include_inputs: bool) -> dict[str, bytes]:
    """Every file of the pack but the manifest, by its path in the pack."""
    files: dict[str, bytes] = {}
    controls = catalogue(config)
    for path in [*sorted(queries_dir().glob("*.sql")),
                 *(p for folder in ("coverage", "window") for p in sorted((queries_dir() / folder).glob("*.sql")))]:
        files[f"queries/{path.relative_to(queries_dir()).as_posix()}"] = path.read_bytes()
    for c in controls:
        files.update(control_files(c))
    files["config/auditor.toml"] = to_toml(config).encode("utf-8")
    if waivers_raw is not None:
        files["waivers.toml"] = waivers_raw
    frame = findings_frame(con, run)
    files["findings/findings.csv"] = findings_csv(frame).encode("utf-8")
    files["findings/findings.parquet"] = findings_parquet(frame)
    html = render_html(con, config, run, label, Pseudonymizer(None), frame)
    files[f"reports/report-{label}.html"] = html.encode("utf-8")
    files[f"reports/report-{label}.pdf"] = render_pdf(html)
    results = con.execute(
        sql("evidence/control_results"),
        [run.run_id],
    ).fetchall()
    meta = con.execute(
        sql("evidence/run"),
        [run.run_id],
    ).fetchone()
    files["run.json"] = _json({
        "run_id": run.run_id, "as_of": iso(run.as_of), "period": label,
        "period_start": iso(run.period.start) if run.period else None,
        "period_end": iso(run.period.end) if run.period else None,
        "config_sha256": meta[0], "control_sha256": json.loads(meta[1]), "waivers_sha256": meta[2],
        "tool_version": meta[3], "duckdb_version": meta[4],
        "controls": [dict(zip(("id", "severity", "status", "findings", "waived", "reason"), r)) for r in results],
        "verdict": run.verdict, "window": run.evidence.window.as_dict(), "evidence": run.evidence.as_dict(),
    })
    loaded = con.execute(sql("evidence/loaded_files")).fetchall()
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
              waivers_path: Path | None, include_inputs: bool, sign_key: Path | None,
              previous_pack: Path | None = None) -> dict[str, Any]:
    """Write the evidence pack of a period to `out` and record it in the database's chain.

    The pack follows `previous_pack` when given, else the pack of the latest earlier period
    (see `chain_links`); a pack for a period that already has one supersedes it.
    """
    controls = catalogue(config)
    waivers = load_waivers(waivers_path, {c.id for c in controls})
    key = _load_private_key(sign_key) if sign_key else None
    # Read before any work: the superseded pack may be the very file about to be replaced.
    links = chain_links(con, label, out, previous_pack)
    run = find_or_run(con, config, period, waivers, since=trend_since(label, config.time.report_timezone))
    files = pack_files(con, config, run, label, waivers.raw, include_inputs)
    manifest = {
        "version": PACK_VERSION,
        "tool": {"name": "auditor", "version": __version__, "duckdb": duckdb.__version__},
        "period": label,
        "as_of": iso(run.as_of),
        "verdict": run.verdict,
        "window": run.evidence.window.as_dict(),
        "coverage": run.evidence.state,
        "gaps": [g.as_dict() for g in run.evidence.gaps],
        "created_at": iso(generated_at()),
        "previous": links.previous.as_json() if links.previous else None,
        "supersedes": links.supersedes.as_json() if links.supersedes else None,
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
        sql("evidence/record_pack"),
        [label, run.run_id, digest, links.previous.manifest_sha256 if links.previous else None,
         str(out.resolve()), datetime.now(timezone.utc)],
    )
    return {"manifest_sha256": digest, "files": len(files), "run_id": run.run_id, "verdict": run.verdict,
            "previous": links.previous,
            "supersedes": links.supersedes, "stale": links.stale}


# ---------------------------------------------------------------------------------------------
# The chain: which pack a new one follows, and which one it supersedes


@dataclass(frozen=True)
class Link:
    """A pack a manifest names: the previous one of the chain, or the one a re-issue supersedes."""

    period: str | None  # None only when read from a version-1 manifest, which kept the hash alone
    manifest_sha256: str
    file: str | None  # base name: where the pack was written says nothing to the auditor reading it

    def as_json(self) -> dict[str, str | None]:
        return {"period": self.period, "manifest_sha256": self.manifest_sha256, "file": self.file}

    @classmethod
    def from_json(cls, data: Any) -> Link | None:
        """The link a manifest holds (null: none); ValueError when it is not a link."""
        if data is None:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("manifest_sha256"), str):
            raise ValueError("not a link")
        period, file = data.get("period"), data.get("file")
        if not isinstance(period, str) or _period_key(period) is None or not isinstance(file, (str, type(None))):
            raise ValueError("not a link")
        return cls(period, data["manifest_sha256"], file)

    def where(self) -> str:
        """`pack-2026-08.zip, manifest 1a2b…` (the file when known)."""
        return ", ".join(part for part in (self.file, f"manifest {short(self.manifest_sha256)}") if part)

    def describe(self) -> str:
        """`2026-08 (pack-2026-08.zip, manifest 1a2b…)`, as much of it as is known."""
        return f"{self.period} ({self.where()})" if self.period else self.where()


def short(digest: str) -> str:
    """A manifest hash as people compare it by eye."""
    return f"{digest[:16]}…"


def _period_key(label: str) -> tuple[int, int] | None:
    """(year, month) of a YYYY-MM label, so `2026-8` sorts before `2026-10`; None if not one."""
    try:
        first = datetime.strptime(label, "%Y-%m")
    except (TypeError, ValueError):
        return None
    return first.year, first.month


@dataclass(frozen=True)
class Listed:
    """A file the manifest lists: its path in the pack, SHA-256 and size."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """A pack's manifest.json as read, with its hash (what the next pack and a re-issue name)."""

    data: dict[str, Any]
    sha256: str
    period: str
    key: tuple[int, int]  # the period's, to compare
    previous: Link | None
    supersedes: Link | None
    files: tuple[Listed, ...] = ()  # what `files` lists, checked

    @property
    def created_at(self) -> str:
        return str(self.data.get("created_at") or "")


def _parse_manifest(path: Path, raw: bytes | None) -> Manifest:
    """The manifest of the pack at `path`, or an AuditorError saying why it is not one."""
    if raw is None:
        raise AuditorError(f"{path}: no manifest.json: not an auditor evidence pack")
    try:
        data = json.loads(raw)
        data["files"]  # noqa: B018 - must exist
        version = data.get("version")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise AuditorError(f"{path}: manifest.json is not a valid manifest") from None
    if type(version) is not int or version not in KNOWN_VERSIONS:  # not `true`, which equals 1
        raise AuditorError(f"{path}: pack version {version!r} is not one this auditor {__version__} reads "
                           f"({', '.join(map(str, KNOWN_VERSIONS))}); verify it with the version that made it")
    try:
        key = _period_key(data.get("period"))
        if key is None:
            raise ValueError("no period")
        if version == 1:
            # Version 1 named the hash of the pack made last, whatever its period.
            named = data.get("previous_manifest_sha256")
            previous = Link(None, named, None) if isinstance(named, str) else None
            supersedes = None
        else:
            previous, supersedes = Link.from_json(data.get("previous")), Link.from_json(data.get("supersedes"))
    except ValueError:
        raise AuditorError(f"{path}: manifest.json is not a valid manifest") from None
    return Manifest(data, _sha(raw), data["period"], key, previous, supersedes, _listed_files(path, data["files"]))


def _listed_files(path: Path, files: Any) -> tuple[Listed, ...]:
    """The manifest's `files`, each checked: a list of {path, sha256, size}, every path once and
    safe to extract, never one of the unlisted names."""
    where = f"{path}: manifest.json is not a valid manifest"
    if not isinstance(files, list):
        raise AuditorError(f"{where}: files is not a list")
    listed: list[Listed] = []
    seen: set[str] = set()
    for n, entry in enumerate(files):
        if not isinstance(entry, dict):
            raise AuditorError(f"{where}: files[{n}] is not an object")
        name, digest, size = entry.get("path"), entry.get("sha256"), entry.get("size")
        if not isinstance(name, str) or not _safe_name(name) or name in UNLISTED:
            raise AuditorError(f"{where}: files[{n}]: path {name!r} is not a file name a pack may hold")
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise AuditorError(f"{where}: files[{n}] ({name}): sha256 is not a SHA-256")
        if type(size) is not int or size < 0:
            raise AuditorError(f"{where}: files[{n}] ({name}): size is not a byte count")
        if name.casefold() in seen:
            raise AuditorError(f"{where}: {name} is listed twice")
        seen.add(name.casefold())
        listed.append(Listed(name, digest, size))
    return tuple(listed)


def read_manifest(path: Path) -> Manifest:
    """The manifest of the pack at `path`, reading that one entry only (a pack with its inputs is large)."""
    with _open_pack(path) as zf:
        entries = _entries(zf, path)
        raw = _read_entry(zf, entries.get("manifest.json"), MAX_MANIFEST, path)
    return _parse_manifest(path, raw)


@dataclass(frozen=True)
class _Known:
    """A pack found in the output folder or in evidence_packs."""

    link: Link
    key: tuple[int, int]  # its period's
    newest: tuple[Any, ...]  # orders the packs of one source, newest last
    supersedes: str | None  # the manifest hash it supersedes, when known
    follows: str | None  # the manifest hash it names as previous


def _folder_packs(folder: Path) -> list[_Known]:
    """Every auditor pack among the *.zip files of `folder`; anything else there is not ours to judge."""
    found = []
    for path in sorted(folder.glob("*.zip")) if folder.is_dir() else []:
        try:
            manifest = read_manifest(path)
        except AuditorError:
            continue
        found.append(_Known(
            Link(manifest.period, manifest.sha256, path.name), manifest.key,
            # created_at is to the second, and the same for all under SOURCE_DATE_EPOCH.
            (manifest.created_at, path.stat().st_mtime_ns, path.name),
            manifest.supersedes.manifest_sha256 if manifest.supersedes else None,
            manifest.previous.manifest_sha256 if manifest.previous else None,
        ))
    return found


def _stored_packs(con: duckdb.DuckDBPyConnection) -> list[_Known]:
    """Every pack made from this database; the table keeps no supersedes link, but of one period's
    packs the current issue is the one made last."""
    rows = con.execute(sql("evidence/packs")).fetchall()
    return [_Known(Link(period, digest, Path(path).name), key, (pack_id,), None, follows)
            for period, digest, follows, path, pack_id in rows if (key := _period_key(period)) is not None]


def _current(packs: list[_Known], wanted: Callable[[tuple[int, int]], bool]) -> _Known | None:
    """Of the packs whose period is `wanted`, the latest period's current issue: the newest one no
    other pack supersedes (a superseded issue may still lie in the folder under another name)."""
    matching = [p for p in packs if wanted(p.key)]
    if not matching:
        return None
    latest = max(p.key for p in matching)
    issues = [p for p in matching if p.key == latest]
    superseded = {p.supersedes for p in packs if p.supersedes}
    return max([p for p in issues if p.link.manifest_sha256 not in superseded] or issues, key=lambda p: p.newest)


@dataclass(frozen=True)
class ChainLinks:
    """What a new pack names, and the later packs that follow the issue it supersedes."""

    previous: Link | None
    supersedes: Link | None
    stale: list[Link]


def chain_links(con: duckdb.DuckDBPyConnection, label: str, out: Path, previous_pack: Path | None) -> ChainLinks:
    """The previous pack of a new pack of `label` written to `out`, and the pack it supersedes.

    Previous: `previous_pack` when given; else the current issue of the latest earlier period
    among the packs in out's folder; failing that, in the database's evidence_packs. Superseded:
    the current issue of `label` itself, found the same way.
    """
    key = _period_key(label)
    assert key is not None  # the CLI checked the period
    folder, stored = _folder_packs(out.parent), _stored_packs(con)
    for pack in folder:
        if pack.link.file == out.name and pack.key != key:
            raise AuditorError(f"{out}: is the evidence pack of {pack.link.period}; write the pack of {label} "
                               "to another file rather than lose that one")
    if previous_pack is not None:
        previous: Link | None = _explicit_previous(previous_pack, key)
    else:
        found = _current(folder, lambda k: k < key) or _current(stored, lambda k: k < key)
        previous = found.link if found else None
    current = _current(folder, lambda k: k == key) or _current(stored, lambda k: k == key)
    supersedes = current.link if current else None
    # A pack both in the folder and in the table is told once.
    stale = {p.link.manifest_sha256: p for p in _stale(supersedes, key, stored) + _stale(supersedes, key, folder)}
    return ChainLinks(previous, supersedes, [p.link for p in sorted(stale.values(), key=lambda p: p.key)])


def _explicit_previous(path: Path, key: tuple[int, int]) -> Link:
    manifest = read_manifest(path)
    if manifest.key >= key:
        raise AuditorError(f"--previous {path}: is the pack of {manifest.period}, not of an earlier period")
    return Link(manifest.period, manifest.sha256, path.name)


def _stale(superseded: Link | None, after: tuple[int, int], packs: list[_Known]) -> list[_Known]:
    """The current issues of periods after `after` that follow the issue being superseded: they
    keep following it until they are re-issued themselves."""
    if superseded is None:
        return []
    stale = []
    for key in sorted({p.key for p in packs if p.key > after}):
        current = _current(packs, lambda k, key=key: k == key)
        if current is not None and current.follows == superseded.manifest_sha256:
            stale.append(current)
    return stale


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Why the pack is not authenticated (unsigned, or checked only against the key inside it);
    # None once its signature is checked against the key the auditor gave.
    unauthenticated: str | None = None

    @property
    def ok(self) -> bool:
        """No discrepancy was found (the pack may still be unauthenticated)."""
        return not self.problems

    @property
    def verified(self) -> bool:
        """Everything holds, and the signature was checked against the auditor's own key."""
        return self.ok and self.unauthenticated is None


def _open_pack(path: Path) -> zipfile.ZipFile:
    """The pack as a zip file (its central directory read, no entry yet), or an AuditorError."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO would block a plain open
    except FileNotFoundError:
        raise AuditorError(f"{path}: no such file") from None
    except OSError as exc:
        raise AuditorError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    finally:
        os.close(fd)
    if not regular:
        raise AuditorError(f"{path}: not a regular file")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise AuditorError(f"{path}: not a readable zip file ({exc})") from None


def _safe_name(name: str) -> bool:
    """Whether an entry name is a plain relative path: no absolute or drive name, no `..` or `.`
    part, no backslash (a separator to Windows tools), no control character."""
    return (bool(name) and not name.startswith("/") and "\\" not in name and ":" not in name
            and not any(ord(c) < 32 or ord(c) == 127 for c in name)
            and all(part not in ("", ".", "..") for part in name.split("/")))


def _entries(zf: zipfile.ZipFile, path: Path) -> dict[str, zipfile.ZipInfo]:
    """The pack's file entries by name, from the zip's directory alone (nothing is read yet).

    A pack with two entries of one name (`unzip` extracts one, a reader may take the other),
    a name that would land outside the folder it is extracted to, or a link is refused.
    """
    entries: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    for info in zf.infolist():
        name = info.filename[:-1] if info.is_dir() else info.filename
        if not _safe_name(name):
            raise AuditorError(f"{path}: refused: the entry {info.filename!r} would be extracted outside its folder")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise AuditorError(f"{path}: refused: the entry {info.filename!r} is a symbolic link")
        if name.casefold() in seen:
            raise AuditorError(f"{path}: refused: two entries are named {name!r} (a zip tool would extract one of them, "
                               "unseen)")
        seen.add(name.casefold())
        if not info.is_dir():
            entries[name] = info
    return entries


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo | None, cap: int, path: Path) -> bytes | None:
    """A small entry's bytes (None when absent); one larger than `cap` is refused unread."""
    if info is None:
        return None
    if info.file_size > cap:
        raise AuditorError(f"{path}: {info.filename} is {info.file_size:,} bytes, more than an auditor pack holds "
                           f"({cap:,})")
    sink = io.BytesIO()
    if _copy_entry(zf, info, sink) is None:
        raise AuditorError(f"{path}: {info.filename} cannot be read (a damaged or forged zip entry)")
    return sink.getvalue()


def _copy_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, sink: IO[bytes] | None = None) -> str | None:
    """SHA-256 of an entry, read in chunks (copied to `sink` when given); None when it cannot be
    read (a bad CRC, a corrupt stream, an encrypted or unknown method).

    Memory stays bounded whatever the entry inflates to: zipfile stops at the size the zip's
    directory states, which the caller has compared with the manifest's before reading.
    """
    digest = hashlib.sha256()
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                if sink is not None:
                    sink.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError):
        return None
    return digest.hexdigest()


# Caps on what verify reads into memory; every other entry is streamed.
MAX_MANIFEST = 64 << 20
MAX_SMALL = 1 << 20  # manifest.sig, public_key.pem


def verify(pack: Path, public_key: Path | None = None, rerun: bool = False, previous: Path | None = None,
           supersedes: Path | None = None, controls: tuple[Path, ...] = ()) -> Verification:
    """Check every hash, the signature, optionally the chain, the re-issue and a re-run; list what
    does not hold. A re-run runs the built-in controls and the own ones in the folders `controls`.

    Nothing of the pack is extracted but into a temporary folder of its own, for a re-run, and
    only after the zip's directory was checked (no duplicate, unsafe or linked name; see
    `_entries`) and each entry's size matched the manifest's; an entry is read in chunks.
    """
    with _open_pack(pack) as zf:
        entries = _entries(zf, pack)
        raw = _read_entry(zf, entries.get("manifest.json"), MAX_MANIFEST, pack)
        manifest = _parse_manifest(pack, raw)
        assert raw is not None  # _parse_manifest refuses a pack without one
        result = Verification()
        with (tempfile.TemporaryDirectory(prefix="auditor-verify-") if rerun else contextlib.nullcontext()) as tmp:
            root = Path(tmp) if tmp else None
            _check_files(zf, entries, manifest, result, root)
            signature = _read_entry(zf, entries.get("manifest.sig"), MAX_SMALL, pack)
            embedded = _read_entry(zf, entries.get("public_key.pem"), MAX_SMALL, pack)
            _verify_signature(raw, signature, embedded, manifest.data, public_key, result)
            _verify_links(manifest, previous, supersedes, result)
            if root is not None:
                if result.problems:
                    result.notes.append("re-run skipped: the pack's files do not match its manifest")
                else:
                    _rerun(pack, root, manifest, result, controls)
    return result


def _check_files(zf: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], manifest: Manifest, result: Verification,
                 root: Path | None) -> None:
    """Every listed file is in the pack with its size and SHA-256, and nothing else is; with a
    `root`, each is also copied there (for a re-run), never beside it."""
    listed = {f.path for f in manifest.files}
    for item in manifest.files:
        info = entries.get(item.path)
        if info is None:
            result.problems.append(f"missing: {item.path} is in the manifest but not in the pack")
            continue
        if info.file_size != item.size:
            # Not read: an entry larger than its manifest says could be a decompression bomb.
            result.problems.append(f"altered: {item.path} does not match its SHA-256 in the manifest "
                                   f"({info.file_size:,} bytes, the manifest says {item.size:,})")
            continue
        if root is None or item.path.startswith("reports/"):
            digest = _copy_entry(zf, info)
        else:
            target = root / item.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as sink:  # never over a file already there
                digest = _copy_entry(zf, info, sink)
        if digest != item.sha256:
            result.problems.append(f"altered: {item.path} does not match its SHA-256 in the manifest")
    for name in sorted(set(entries) - listed - UNLISTED):
        result.problems.append(f"extra: {name} is in the pack but not in the manifest")
    # Text no hash covers: auditor writes no comment, to the zip or to an entry.
    if zf.comment:
        result.problems.append("extra: the zip carries a comment, which no hash covers")
    for name in sorted(n for n, info in entries.items() if info.comment):
        result.problems.append(f"extra: the entry {name} carries a comment, which no hash covers")


def _verify_links(manifest: Manifest, previous: Path | None, supersedes: Path | None, result: Verification) -> None:
    """The chain (with --previous, else what the pack names) and the re-issue (with --supersedes)."""
    if previous is not None:
        _verify_previous(manifest, previous, result)
    elif manifest.previous is None:
        result.notes.append("chain: the first pack of its chain (it names no previous pack)")
    else:
        result.notes.append(f"chain: names previous {manifest.previous.describe()}; give --previous to check it")
    if supersedes is not None:
        _verify_supersedes(manifest, supersedes, result)
    elif manifest.supersedes is not None:
        result.notes.append(f"re-issue: supersedes {manifest.supersedes.describe()}; give --supersedes to check it")


def _verify_previous(this: Manifest, path: Path, result: Verification) -> None:
    """Does this pack follow the pack at `path`: the hash and period it names are that pack's?"""
    given = read_manifest(path)
    named = this.previous
    seen = f"{given.period} ({path.name}, manifest {short(given.sha256)})"
    if named is not None and named.period is None:
        _verify_previous_v1(named, given, seen, result)
    elif given.key >= this.key:
        result.problems.append(f"chain broken: {path.name} is a pack of {given.period}, "
                               f"not of a period before this pack's {this.period}")
    elif named is None:
        result.problems.append(
            f"chain broken: this pack is the first of its chain (it names no previous pack), so it does not "
            f"follow {seen}; a pack made before its predecessor cannot name it: re-issue {this.period} to chain it"
        )
    elif named.manifest_sha256 == given.sha256 and named.period == given.period:
        result.notes.append(f"chain: follows {seen}")
    elif named.manifest_sha256 == given.sha256:
        result.problems.append(f"chain broken: this pack names {named.describe()}, but that manifest is of {given.period}")
    elif named.period == given.period:
        result.problems.append(_other_issue(this, named, given, path))
    else:
        result.problems.append(f"chain broken: this pack follows {named.describe()}, not {seen}")


def _verify_previous_v1(named: Link, given: Manifest, seen: str, result: Verification) -> None:
    """A version-1 pack named the hash of the pack made before it, whatever its period."""
    if named.manifest_sha256 == given.sha256:
        result.notes.append(f"chain: follows {seen} (a version-1 pack: chained in the order packs were made)")
    else:
        result.problems.append(f"chain broken: this pack names previous {named.describe()}, not {seen}")


def _other_issue(this: Manifest, named: Link, given: Manifest, path: Path) -> str:
    """The words for a pack that follows one issue of a period while --previous gives another."""
    other = f"{path.name} (manifest {short(given.sha256)})"
    if given.supersedes is not None and given.supersedes.manifest_sha256 == named.manifest_sha256:
        return (f"chain: this pack follows the earlier issue of {given.period} ({named.where()}), not {other}, "
                f"the re-issue that supersedes it; give the earlier issue as --previous, or re-issue "
                f"{this.period} to follow the re-issue")
    return (f"chain: this pack follows another issue of {given.period} ({named.where()}), not {other}: "
            f"{given.period} was re-issued; give the issue it names as --previous")


def _verify_supersedes(this: Manifest, path: Path, result: Verification) -> None:
    """Does this pack re-issue its period superseding the pack at `path`?"""
    given = read_manifest(path)
    named = this.supersedes
    seen = f"{given.period} manifest {short(given.sha256)} ({path.name})"
    if given.key != this.key:
        result.problems.append(f"re-issue: {path.name} is a pack of {given.period}; this pack of {this.period} "
                               f"can supersede only a pack of {this.period}")
    elif named is None:
        result.problems.append(f"re-issue: this pack supersedes no pack (it is not a re-issue), "
                               f"so it does not supersede {seen}")
    elif named.manifest_sha256 == given.sha256:
        result.notes.append(f"re-issue: supersedes {seen}")
    else:
        result.problems.append(f"re-issue: this pack supersedes another issue of {this.period} "
                               f"({named.where()}), not {seen}")


def _public_key(pem: bytes, source: str) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise AuditorError(f"{source}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditorError(f"{source}: not an Ed25519 public key")
    return key


def _verify_signature(manifest_bytes: bytes, signature: bytes | None, embedded: bytes | None,
                      manifest: dict[str, Any], public_key: Path | None, result: Verification) -> None:
    """The signature of manifest.json, against the auditor's key (--public-key) when given.

    Only a signature checked against the auditor's key authenticates a pack; the key inside the
    pack proves integrity at most (anyone can sign with a key of their own). With the auditor's
    key, the pack's public_key.pem, which no hash covers, must be that very key, byte for byte.
    """
    from cryptography.exceptions import InvalidSignature

    if public_key is None:
        if signature is None:
            result.unauthenticated = "the pack is not signed"
            if manifest.get("signed"):
                result.problems.append("unsigned: the pack has no manifest.sig, though its manifest says it is signed")
            else:
                result.notes.append("the pack is not signed")
            if embedded is not None:
                result.problems.append("extra: public_key.pem is in an unsigned pack")
            return
        result.unauthenticated = "its signature was checked only against the key inside the pack; give --public-key"
        if embedded is None:
            result.problems.append("signed, but no public key is in the pack or given with --public-key")
            return
        key, source = _public_key(embedded, "public_key.pem in the pack"), "the key inside the pack (give --public-key for authenticity)"
    else:
        try:
            supplied = read_regular(public_key, "public key", MAX_SMALL)
        except FileNotFoundError:
            raise AuditorError(f"{public_key}: no such file") from None
        key, source = _public_key(supplied, str(public_key)), str(public_key)
        if signature is None:
            result.unauthenticated = "the pack is not signed"
            result.problems.append("unsigned: the pack has no manifest.sig")
            return
        if embedded is not None and embedded != _public_pem_of(key):
            result.problems.append(f"altered: public_key.pem in the pack is not the key {public_key}")
    try:
        key.verify(signature, manifest_bytes)
    except InvalidSignature:
        result.problems.append(f"signature: manifest.sig does not verify with {source}")
        return
    result.notes.append(f"signature: valid, checked with {source}")


def _public_pem_of(public: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _installed_queries(controls: list[Control]) -> dict[str, bytes]:
    """This installation's SQL files and the files of `controls`, by their path in a pack (what
    pack_files packs)."""
    root = queries_dir()
    paths = [*root.glob("*.sql"), *(p for folder in ("coverage", "window") for p in (root / folder).glob("*.sql"))]
    files = {f"queries/{p.relative_to(root).as_posix()}": p.read_bytes() for p in paths}
    for c in controls:
        files.update(control_files(c))
    return files


def _refuse_foreign_sql(pack: Path, root: Path, manifest: Manifest, controls: list[Control]) -> None:
    """A re-run runs this installation's SQL, never the pack's: the pack's must be the same bytes.

    Whoever signed a pack, SQL that came in it could read or write any file or attach a
    database; so its queries/ are only compared with the installed ones, and a pack whose SQL
    differs (made by another version, or forged) is refused.
    """
    installed = _installed_queries(controls)
    packed = {f.path for f in manifest.files if f.path.startswith("queries/")}
    for name in sorted(packed | set(installed)):
        if name not in installed:
            why = "is not a query of"
        elif name not in packed:
            why = "is missing, though a query of"
        elif (root / name).read_bytes() != installed[name]:
            why = "differs from"
        else:
            continue
        raise AuditorError(f"{pack}: re-run refused: {name} {why} this auditor {__version__}; only the installed SQL "
                           "is ever run: re-run with the version that made the pack")


def _packed_json(pack: Path, root: Path, name: str) -> Any:
    try:
        return json.loads((root / name).read_bytes())
    except FileNotFoundError:
        raise AuditorError(f"{pack}: re-run impossible: {name} is not in the pack") from None
    except (ValueError, RecursionError):
        raise AuditorError(f"{pack}: re-run impossible: {name} is not valid JSON") from None


def _rerun_plan(pack: Path, root: Path) -> tuple[bool, datetime, Period | None, str | None]:
    """From inputs.json and run.json: whether every input is packed, the as_of, the period and
    the verdict the pack states (None in packs of version 1)."""
    inputs, run_meta = _packed_json(pack, root, "inputs.json"), _packed_json(pack, root, "run.json")
    try:
        complete = bool(inputs) and all(i["packed_as"] is not None for i in inputs)
        as_of = _moment(run_meta["as_of"])
        period = None
        if run_meta.get("period_start"):
            period = Period(_moment(run_meta["period_start"]), _moment(run_meta["period_end"]))
        claimed = run_meta.get("verdict")
        if not isinstance(claimed, (str, type(None))):
            raise TypeError("verdict")
    except (KeyError, TypeError, ValueError, AttributeError):
        raise AuditorError(f"{pack}: re-run impossible: inputs.json or run.json is not what auditor writes") from None
    return complete, as_of, period, claimed


def _moment(text: Any) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("naive")
    return moment


def _rerun(pack: Path, root: Path, manifest: Manifest, result: Verification, own_controls: tuple[Path, ...]) -> None:
    """Load the packed inputs (extracted to `root`) into a fresh in-memory database, run this
    installation's SQL (the pack's must be the same) with the packed configuration, waivers
    and as_of, and compare the findings row for row."""
    complete, as_of, period, claimed = _rerun_plan(pack, root)
    if not complete:
        result.problems.append("re-run impossible: the input files are not in the pack (make it with --include-inputs)")
        return
    packed_config = load_config(root / "config" / "auditor.toml")
    # Own controls come from the folders the verifier names, never from a path the pack names.
    config = with_paths(replace(packed_config, controls=replace(packed_config.controls, paths=[])), own_controls)
    controls = catalogue(config)
    _refuse_foreign_sql(pack, root, manifest, controls)
    con = connect(":memory:", config)
    try:
        load(con, root / "inputs", config)
        # The inputs are in: from here on nothing needs a file, so none can be touched.
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        packed = root / "waivers.toml"
        waivers = load_waivers(packed if packed.exists() else None, {c.id for c in controls})
        run = run_check(con, config, controls, as_of, period, waivers)
        again = findings_csv(findings_frame(con, run)).splitlines()
    finally:
        con.close()
    if claimed is not None and claimed != run.verdict:
        result.problems.append(f"re-run differs: the pack states the verdict {claimed}, the re-run gives {run.verdict}")
    elif claimed is not None:
        result.notes.append(f"re-run: verdict {run.verdict} reproduced")
    try:
        packed_rows = (root / "findings" / "findings.csv").read_bytes().decode("utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        raise AuditorError(f"{pack}: re-run impossible: findings/findings.csv is missing or not UTF-8") from None
    if again == packed_rows:
        result.notes.append(f"re-run: {len(packed_rows) - 1} finding(s) reproduced row for row")
        return
    missing, extra = sorted(set(packed_rows) - set(again)), sorted(set(again) - set(packed_rows))
    result.problems.append(f"re-run differs: {len(missing)} packed finding(s) not reproduced, {len(extra)} new")
    result.problems.extend(f"  only in the pack: {line}" for line in missing[:10])
    result.problems.extend(f"  only in the re-run: {line}" for line in extra[:10])
