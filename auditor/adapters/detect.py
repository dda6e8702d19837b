"""Which files in INPUT are real exports, and of which format: by their content, or as told.

A file is a candidate when it ends in .json, .jsonl or .csv (optionally .gz) and sits at the top
of INPUT (other than the canonical log files, `consent_events.csv`, ...), in a folder named after
a format (`graph_directory_audit/`: read as that format), or in a log's folder (`admin_events/`,
`linkedin_setting_snapshots/`: an evidence pack's `inputs/` keeps each file under the logs it fed),
where only a file recognised as an export is taken and the rest is left to the canonical loader.
Only the first 64 KiB are read to recognise a file:

- a CSV whose header has an `AuditData` column: the Microsoft 365 unified audit log;
- a CSV (or JSON Lines) with `taken_at` and `value`, or any file named
  `linkedin_setting_snapshots.*`: LinkedIn setting snapshots;
- JSON (a document or JSON Lines) that names `activityDisplayName` or `directoryAudits`: Microsoft
  Graph directory audits.

Anything else is listed as ignored in the load summary. `--format NAME` skips recognition for
the candidates whose suffix NAME can have (Graph: .json, .jsonl; the audit log: .csv; snapshots:
.csv, .jsonl): each is read as NAME, and one that is not NAME is an error naming the file and
line. Other candidates are still recognised by content.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import AuditorError
from auditor.load.files import EXTENSIONS as CANONICAL_EXTENSIONS
from auditor.schema import LOGS, LOGS_BY_NAME

# Each format, and the logs it feeds (each gets a loaded_files row, so a log fed by an export
# counts as present even when the export held none of its events).
FORMATS: dict[str, tuple[str, ...]] = {
    "graph_directory_audit": ("admin_events", "consent_events"),
    "m365_audit_csv": ("admin_events", "consent_events"),
    "linkedin_snapshots": ("linkedin_setting_snapshots", "admin_events"),
}
DATA_SUFFIXES = (".json", ".jsonl", ".csv")
SUFFIXES = {"graph_directory_audit": (".json", ".jsonl"), "m365_audit_csv": (".csv",), "linkedin_snapshots": (".csv", ".jsonl")}
SNAPSHOT_NAME = re.compile(r"linkedin_setting_snapshots\.(csv|jsonl|json)(\.gz)?")
HEAD_BYTES = 1 << 16


@dataclass(frozen=True)
class ExportFile:
    """One real-export file: where it is, its format, and how its text is encoded."""

    path: Path
    format: str
    encoding: str = "utf-8"  # or "utf-16" (a BOM says so; Windows PowerShell writes it)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def compressed(self) -> bool:
        return self.path.name.lower().endswith(".gz")

    @property
    def is_csv(self) -> bool:
        return self.path.name.lower().removesuffix(".gz").endswith(".csv")


def _suffix_ok(path: Path) -> bool:
    return path.name.lower().removesuffix(".gz").endswith(DATA_SUFFIXES)


def _canonical(path: Path) -> bool:
    name = path.name.lower()
    return any(name == f"{log.name}{ext}" for log in LOGS for ext in CANONICAL_EXTENSIONS)


def read_head(path: Path, size: int = HEAD_BYTES) -> tuple[str, str]:
    """The first `size` bytes of a (decompressed) file as text, and its encoding."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:  # type: ignore[operator]
            data = fh.read(size)
    except (OSError, EOFError) as exc:
        raise AuditorError(f"{path}: cannot read: {exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    return data.decode("utf-8-sig", errors="replace"), "utf-8"


def csv_header(text: str) -> tuple[list[str], int]:
    """The header of CSV text, trimmed, and the lines above it: Windows PowerShell's Export-Csv
    writes a `#TYPE ...` line first unless told -NoTypeInformation."""
    skip = 1 if text.startswith("#TYPE") else 0
    if skip:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    row = next(csv.reader(io.StringIO(text)), None) or []
    return [c.strip() for c in row], skip


def sniff(path: Path) -> ExportFile | None:
    """The export format of `path` from its name and first bytes, or None when not an export."""
    head, encoding = read_head(path)
    if SNAPSHOT_NAME.fullmatch(path.name.lower()):
        return ExportFile(path, "linkedin_snapshots", encoding)
    if path.name.lower().removesuffix(".gz").endswith(".csv"):
        names = {c.lower() for c in csv_header(head)[0]}
        if "auditdata" in names:
            return ExportFile(path, "m365_audit_csv", encoding)
        if {"taken_at", "value"} <= names:
            return ExportFile(path, "linkedin_snapshots", encoding)
        return None
    text = head.lstrip()
    if not text.startswith(("{", "[")):
        return None
    low = text.lower()
    if '"activitydisplayname"' in low or "directoryaudits" in low:
        return ExportFile(path, "graph_directory_audit", encoding)
    first = low.split("\n", 1)[0]
    if '"taken_at"' in first and '"value"' in first:
        return ExportFile(path, "linkedin_snapshots", encoding)
    return None


def _check_format(fmt: str) -> None:
    if fmt != "auto" and fmt not in FORMATS:
        raise AuditorError(f"--format {fmt!r}: choose auto, {', '.join(FORMATS)}")


def find_exports(input_path: Path, fmt: str = "auto") -> tuple[list[ExportFile], list[str]]:
    """The real exports in the folder `input_path` (or the file itself), and the files ignored.

    A canonical log file given as INPUT is left to the canonical loader (which says to give the
    folder); a file that is no recognised export is an error.
    """
    _check_format(fmt)
    if input_path.is_file():
        if _canonical(input_path):
            return [], []
        found = _classify(input_path, fmt)
        if found is None:
            raise AuditorError(
                f"{input_path}: not a folder, and not a recognised export (Graph directoryAudit JSON, Microsoft 365 "
                "audit log CSV, LinkedIn setting snapshots); give the folder that holds the logs, or --format"
            )
        return [found], []
    if not input_path.is_dir():
        return [], []
    exports, ignored = [], []
    for path in sorted(input_path.iterdir()):
        if path.name.startswith(".") or not path.is_file() or _canonical(path) or not _suffix_ok(path):
            continue
        found = _classify(path, fmt)
        if found is None:
            ignored.append(path.name)
        else:
            exports.append(found)
    log_folders = {log.name for log in LOGS} | {log for logs in FORMATS.values() for log in logs}
    for folder in sorted(input_path.iterdir()):
        if not folder.is_dir() or (folder.name not in FORMATS and folder.name not in log_folders):
            continue
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or not path.is_file() or not _suffix_ok(path):
                continue
            if folder.name in LOGS_BY_NAME and _names_id_column(path, LOGS_BY_NAME[folder.name].id_column):
                continue  # a canonical file of that log, however its extra columns are named
            found = _classify(path, folder.name if folder.name in FORMATS else "auto")
            if found is not None:
                exports.append(found)
            elif folder.name not in {log.name for log in LOGS}:
                ignored.append(f"{folder.name}/{path.name}")
    return exports, ignored


def _names_id_column(path: Path, column: str) -> bool:
    """Whether a file's header (CSV) or first line (JSON) names the log's id column."""
    head = read_head(path)[0]
    if path.name.lower().removesuffix(".gz").endswith(".csv"):
        return column in csv_header(head)[0]
    return f'"{column}"' in head.split("\n", 1)[0]


def _classify(path: Path, fmt: str) -> ExportFile | None:
    if fmt == "auto" or not path.name.lower().removesuffix(".gz").endswith(SUFFIXES[fmt]):
        return sniff(path)
    _, encoding = read_head(path, 4)
    return ExportFile(path, fmt, encoding)


def logs_provided(exports: list[ExportFile]) -> set[str]:
    """The canonical logs the exports feed (so a folder of exports needs no consent_events file)."""
    return {log for e in exports for log in FORMATS[e.format]}
