"""Keep access_versions: the access_events ids that more than one row has (queries/schema.sql).

A period's check takes the other versions of its rows' ids through this small table, not by a
pass over the ids of the whole history (queries/window/older.sql). The loader records them as it
writes each file, in two steps: the ids the file itself repeats, and the ids the file shares
with the rows loaded before it, in this load or an earlier one (a version loaded later,
whatever month it is dated in). Both look at `_checked` only: it holds every row of a file
checked there, and of a file written once (auditor.load.write._write_once) every row whose id
the file repeats or a loaded row has, a few.
"""

from __future__ import annotations

import duckdb

from auditor.db import run
from auditor.resources import sql
from auditor.schema import ACCESS_EVENTS, Log


def record_versions(con: duckdb.DuckDBPyConnection, log: Log, file_id: int) -> None:
    """Add to access_versions the ids of file `file_id` of `log` (its new rows written) that
    have more than one row: in the file, or in the file and another one."""
    if log is not ACCESS_EVENTS:
        return
    con.execute(sql("load/file_versions"))
    # A first load has no other rows: its file's ids are not read a second time.
    if run(con, sql("load/earlier_rows"), {"file_id": file_id}).fetchone()[0]:
        run(con, sql("load/earlier_versions"), {"file_id": file_id})
