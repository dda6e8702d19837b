"""Loading the real exports of one `auditor load`, inside the loader's transaction.

Two passes, so that what one export says can explain another's records whatever their order
(an actor's directory role, the service principal id of the LinkedIn app):
1. each new audit-log export is read into `_xa_all`;
2. every record is mapped and kept in `source_events`, mapped or not; a record that is the same
   change as one of the other format is matched to it (`source_twins`); actor roles are resolved;
   then each export's mapped rows go through the loader's check and
   keep steps once per log they feed (a loaded_files row each, format = the export's format),
   and snapshot files are loaded and their changes derived.

Counts reconcile per export: records = mapped + unmapped + failed + context, and the mapped rows
of each log = loaded + rejected + duplicates (its loaded_files row, as for a canonical file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from auditor.adapters import graph, m365
from auditor.adapters.detect import FORMATS, ExportFile
from auditor.adapters.records import (
    collect, create_macros, insert_source_events, mapped_stager, match_twins, overlaps, resolve_roles,
)
from auditor.adapters.snapshots import SNAPSHOTS, load_snapshots
from auditor.config import Config
from auditor.errors import AuditorError
from auditor.load.files import already_loaded, sha256_of
from auditor.load.scratch import Scratch
from auditor.load.types import FileResult, SourceFile
from auditor.load.write import write_file
from auditor.resources import sql
from auditor.schema import LOGS_BY_NAME

STAGERS = {"graph_directory_audit": graph.stage, "m365_audit_csv": m365.stage}


@dataclass
class ExportResult:
    """What one real export held. For snapshots, `records` are snapshots and `mapped` changes."""

    file: str
    format: str
    skipped: bool = False
    records: int = 0
    mapped: int = 0
    unmapped: int = 0
    failed: int = 0
    context: int = 0  # role assignments, used for actor roles
    unmapped_by_activity: list[tuple[str, str, int]] = field(default_factory=list)  # (activity, why, count)
    failed_by_activity: list[tuple[str, str, int]] = field(default_factory=list)
    note: str | None = None


def _summary(con: duckdb.DuckDBPyConnection, ef: ExportFile, sha: str, note: str | None) -> ExportResult:
    counts = dict(con.execute(sql("adapters/status_counts"), [sha]).fetchall())
    by = {
        status: con.execute(sql("adapters/by_activity"), [sha, status]).fetchall()
        for status in ("unmapped", "failed")
    }
    return ExportResult(
        ef.name, ef.format, records=sum(counts.values()), mapped=counts.get("mapped", 0),
        unmapped=counts.get("unmapped", 0), failed=counts.get("failed", 0), context=counts.get("context", 0),
        unmapped_by_activity=by["unmapped"], failed_by_activity=by["failed"], note=note,
    )


def load_exports(
    scratch: Scratch,
    exports: list[ExportFile],
    config: Config,
    results: list[FileResult],
    on_file: Callable | None = None,
    done: int = 0,
    total: int = 0,
) -> tuple[list[ExportResult], int, int, int]:
    """Load `exports`; append a FileResult per (export, log) to `results`; return a summary each,
    how many admin events of earlier loads have another actor role now (resolve_roles), how many
    records loaded now are the same change as a record of the other format (match_twins), and
    how many look like one with no correlation id to say so (overlaps)."""
    if not exports:
        return [], 0, 0, 0
    con = scratch.con
    create_macros(con)
    scratch.new_load()
    out: list[ExportResult] = []
    roles_changed = twins = overlapping = 0
    pending: list[tuple[ExportFile, str, int, str | None]] = []
    seen: set[str] = set()
    for ef in exports:
        sha, size, _ = sha256_of(ef.path)
        if on_file:
            on_file(ef, done, total)
        done += size
        if sha in seen or already_loaded(con, sha):
            results.append(FileResult(log=ef.format, file=ef.name, skipped=True))
            out.append(ExportResult(ef.name, ef.format, skipped=True))
            continue
        seen.add(sha)
        note = None
        if ef.format in STAGERS:
            scratch.new_export()
            try:
                note = STAGERS[ef.format](con, ef)
                collect(con, ef.format, str(ef.path.resolve()), sha, len(pending))
            except duckdb.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise AuditorError(f"{ef.path}: cannot read as {ef.format}: {first}") from None
        pending.append((ef, sha, size, note))
    if con.execute(sql("adapters/has_records")).fetchone()[0]:
        insert_source_events(con, config)
        twins = match_twins(con)
        roles_changed = resolve_roles(con, config)
        overlapping = overlaps(con, [sha for _, sha, _, _ in pending])
    # In the order read: of twins in one load, the record of the export read first keeps the row
    # (match_twins), so it is loaded before its twin, which is counted as its duplicate.
    for ef, sha, size, note in pending:
        if ef.format == "linkedin_snapshots":
            read, derived = load_snapshots(scratch, ef, config, sha, size)
            for r in (read, derived):
                r.file = f"{ef.name} -> {r.log}"
            results.extend((read, derived))
            out.append(ExportResult(ef.name, ef.format, records=read.rows_read, mapped=derived.rows_read, note=note))
            continue
        for log in FORMATS[ef.format]:
            src = SourceFile(LOGS_BY_NAME[log], ef.path, ef.format)
            r = write_file(scratch, src, config, sha, size, stager=mapped_stager(sha, config), label=ef.format)
            r.file = f"{ef.name} -> {log}"
            results.append(r)
            con.execute(sql("adapters/set_file_id"), {"file_id": r.file_id, "sha": sha, "log": log})
        out.append(_summary(con, ef, sha, note))
    scratch.new_export()
    scratch.new_load()
    return out, roles_changed, twins, overlapping


__all__ = ["ExportResult", "load_exports", "SNAPSHOTS"]
