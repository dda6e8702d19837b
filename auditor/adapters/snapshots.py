"""Snapshots of the "LinkedIn account connections" setting, and the changes they reveal.

The setting is not in Microsoft Graph, and some changes leave no audit entry, so an
organisation can record it periodically: `linkedin_setting_snapshots.csv` (or `.jsonl`) with

| column | type | required | meaning |
|---|---|---|---|
| taken_at | timestamp | yes | when the setting was read |
| value | enum | yes | `yes` (everyone), `selected_group`, `no`; or the portal's enableLinkedInAppFamily 0 / 4 / 1 |
| group_id | id | for `selected_group` | the selected group (default `[sources] selected_group_id`) |
| taken_by | string | no | who or what read it |

The file is loaded like a log (same validation, rejected rows, duplicates, counts) into
`linkedin_setting_snapshots`. Then each change between consecutive snapshots (over every
snapshot loaded, so a month's first snapshot is compared with the previous month's last) becomes
an admin event: `enable_all`, `enable_group` or `disable` at the later snapshot's taken_at, actor
`snapshot`, actor_role `[sources] snapshot_role`, event_id `snapshot-<taken_at>`, and the later
snapshot's line. Whether an audit record explains it is judged by `log-integrity`.
"""

from __future__ import annotations

import duckdb

from auditor.adapters.detect import ExportFile
from auditor.config import Config
from auditor.db import run
from auditor.load.scratch import Scratch
from auditor.load.stage import STAGERS
from auditor.load.types import FileResult, SourceFile, Staged
from auditor.load.write import write_file
from auditor.resources import sql
from auditor.schema import ADMIN_EVENTS, SNAPSHOTS

FORMAT = "linkedin_snapshots"


def _snapshot_stager(config: Config):
    group = config.sources.selected_group_id.strip()

    def stage(con: duckdb.DuckDBPyConnection, src: SourceFile) -> Staged:
        staged = STAGERS[src.format](con, src)
        if group:  # a selected_group snapshot without a group names the configured one
            staged.sources["group_id"] = f"coalesce(NULLIF(trim({staged.sources['group_id']}), ''), $xa_group)"
            staged.params["xa_group"] = group
        return staged

    return stage


def _changes_stager(file_id: int, config: Config):
    def stage(con: duckdb.DuckDBPyConnection, src: SourceFile) -> Staged:
        run(con, sql("adapters/snapshot_changes"),
            {"file_id": file_id, "role": config.sources.snapshot_role.strip().lower()})
        return Staged(
            sources={name: f'"{name}"' for name in src.log.column_names},
            raw_sql="CAST(_s._raw AS VARCHAR)", extra_sql="_x", params={}, header_lines=0, source_lines=True,
        )

    return stage


def load_snapshots(scratch: Scratch, ef: ExportFile, config: Config, sha: str, size: int) -> list[FileResult]:
    """Load the snapshots (validated like a log), then the admin events of the changes they show."""
    src = SourceFile(SNAPSHOTS, ef.path, "csv" if ef.is_csv else "jsonl")
    read = write_file(scratch, src, config, sha, size, stager=_snapshot_stager(config), label=FORMAT)
    derived = write_file(
        scratch, SourceFile(ADMIN_EVENTS, ef.path, FORMAT), config, sha, size, stager=_changes_stager(read.file_id, config),
        label=FORMAT,
    )
    return [read, derived]
