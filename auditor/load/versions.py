"""Keep access_versions: the access_events ids that more than one row has (queries/schema.sql).

A period's check takes the other versions of its rows' ids through this small table, not by a
pass over the ids of the whole history (queries/window/older.sql). The loader records them as it
writes each file: the ids the file repeats, and those it shares with the rows loaded before it,
in this load or an earlier one (a version loaded later, whatever month it is dated in). Both are
among the file's `_shared_ids` (queries/load/shared_ids.sql).
"""

from __future__ import annotations

import duckdb

from auditor.resources import sql
from auditor.schema import ACCESS_EVENTS, Log


def record_versions(con: duckdb.DuckDBPyConnection, log: Log) -> None:
    """Add to access_versions the ids of the file just written to `log` that have more than one
    row: in the file, or in the file and another one."""
    if log is ACCESS_EVENTS:
        con.execute(sql("load/versions"))
