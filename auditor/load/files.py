"""Discovery: which files of the input folder hold which log, their hashes and identities."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import duckdb

from auditor.errors import AuditorError
from auditor.load.types import SourceFile
from auditor.resources import sql
from auditor.schema import LOGS

EXTENSIONS = {".csv": "csv", ".csv.gz": "csv", ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".parquet": "parquet"}



def _format_of(path: Path) -> str | None:
    name = path.name.lower()
    for ext, fmt in EXTENSIONS.items():
        if name.endswith(ext):
            return fmt
    return None


def discover(
    input_dir: Path,
    provided: set[str] | frozenset[str] = frozenset(),
    exports: set[Path] | frozenset[Path] = frozenset(),
    held: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[SourceFile], list[str]]:
    """The input files of each log in `input_dir`, and the names of the optional logs absent.

    `provided`: logs that real exports in the folder feed, so they are neither missing nor absent;
    `exports`: the real-export files (auditor.adapters), which a log's folder may also hold;
    `held`: logs the database already holds (a file of each was loaded before). The required logs
    are required of the database, not of each load: a month's exports alone may be loaded into a
    database that has them, and a log it holds is not absent.
    """
    if not input_dir.exists():
        raise AuditorError(f"{input_dir}: no such folder")
    if not input_dir.is_dir():
        raise AuditorError(f"{input_dir}: not a folder (give the folder that holds the logs)")
    found: list[SourceFile] = []
    absent: list[str] = []
    for log in LOGS:
        files = [input_dir / f"{log.name}{ext}" for ext in EXTENSIONS]
        files = [f for f in files if f.is_file()]
        folder = input_dir / log.name
        if folder.is_dir():
            for f in sorted(folder.iterdir()):
                if f.name.startswith(".") or not f.is_file() or f in exports:
                    continue
                if _format_of(f) is None:
                    raise AuditorError(f"{f}: unsupported file type (expected {', '.join(EXTENSIONS)})")
                files.append(f)
        if not files:
            if log.name in provided or log.name in held:
                continue
            if log.required:
                raise AuditorError(
                    f"{input_dir}: no {log.name} log (expected {log.name}.csv, .csv.gz, .jsonl, .jsonl.gz, "
                    f".parquet or a folder {log.name}/)"
                )
            absent.append(log.name)
        found.extend(SourceFile(log, f, _format_of(f) or "") for f in files)
    return found, absent


def sha256_of(path: Path, count_lines: bool = False) -> tuple[str, int, int | None]:
    """SHA-256 hex digest, size in bytes and, when asked, physical lines of a file, read in chunks.

    Counting lines in the same pass costs 0.4 s per GB (a second read would cost more); a CSV
    load uses the count to find blank lines (blank_lines).
    """
    digest = hashlib.sha256()
    size = newlines = 0
    last = b"\n"
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
                if count_lines:
                    newlines += chunk.count(b"\n")
                    last = chunk[-1:]
    except OSError as exc:
        raise AuditorError(f"{path}: cannot read: {exc.strerror}") from None
    return digest.hexdigest(), size, newlines + (last != b"\n") if count_lines else None


def held_logs(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The logs of which the database holds a loaded file (a real export counts for the logs it feeds)."""
    return {log for (log,) in con.execute(sql("load/held_logs")).fetchall()}


def identity(path: Path) -> tuple[int, int, int, int]:
    """What changes when a file is written to: device, inode, size, modification time."""
    st = path.stat()
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def refuse_changed(path: Path, before: tuple[int, int, int, int], hashed: int) -> None:
    """Refuse a file written to while it was hashed or read: the rows the reader loaded would not
    be the bytes whose size and SHA-256 loaded_files records (a log still being exported)."""
    if identity(path) != before or hashed != before[2]:
        raise AuditorError(f"{path}: changed while it was read (its size or modification time differs from before): "
                           "load it once it is complete")


def refuse_links(input_dir: Path) -> None:
    """Refuse a symbolic link among the files and folders a load reads (INPUT's entries and
    those of its folders) that leads out of INPUT or to a folder: `users -> .` would load
    every log as the directory, and a link out reads files nobody gave. A link to a file
    inside INPUT is read like that file."""
    root = input_dir.resolve()
    for entry in _entries_read(input_dir):
        if not entry.is_symlink():
            continue
        target = entry.resolve()
        if target.is_dir() or not target.is_relative_to(root):
            where = "a folder" if target.is_dir() else "outside the input folder"
            raise AuditorError(f"{entry}: a symbolic link to {target}, {where}; a load follows no link out of the input "
                               "folder or to a folder: give the files themselves")


def _entries_read(input_dir: Path) -> Iterator[Path]:
    """INPUT's entries and those of its folders (not hidden: discovery skips those)."""
    for entry in sorted(input_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        yield entry
        if entry.is_dir() and not entry.is_symlink():
            yield from (e for e in sorted(entry.iterdir()) if not e.name.startswith("."))


def already_loaded(con: duckdb.DuckDBPyConnection, sha: str) -> bool:
    """Whether a file with these bytes was loaded before (loading it again changes nothing)."""
    return con.execute(sql("load/already_loaded"), [sha]).fetchone() is not None
