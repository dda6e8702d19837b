"""Keep the two tables a period's check reads instead of the history (queries/window/older.sql),
as the loader writes each file of access_events (queries/schema.sql):

- access_versions, the ids that more than one row has: the ids the file repeats, and those it
  shares with the rows loaded before it, in this load or an earlier one (a version loaded later,
  whatever month it is dated in). Both are among the file's `_shared_ids`
  (queries/load/shared_ids.sql);
- access_held, a copy of the rows whose copy was kept more than a week after the event, or is
  not purged (views.sql held_long): the older copies a month may find still held at its start.
"""

from __future__ import annotations

import duckdb

from auditor.db import run
from auditor.resources import sql
from auditor.schema import ACCESS_EVENTS, Log


def record_access(con: duckdb.DuckDBPyConnection, log: Log, file_id: int) -> None:
    """Add to access_versions the ids of the file just written to `log` that have more than one
    row (in the file, or in the file and another one), and to access_held its rows held long."""
    if log is ACCESS_EVENTS:
        con.execute(sql("load/versions"))
        run(con, sql("load/held"), {"file_id": file_id})
