"""The load's temporary tables: one object names every one and drops them.

The steps of a load pass state to each other in temporary tables of the load's connection
(DuckDB TEMP tables, gone with the connection, but a load must not leave them to the run that
follows on the same connection, nor let one file's tables be read by the next file's step).
"""

from __future__ import annotations

import duckdb

# One file's check and keep (auditor.load.write): the staged records, the reader's rejects, the
# checked rows and what the duplicate and line steps find.
FILE_TABLES = ("_stage", "_read", "_checked", "_shared_ids", "_left_out", "_rejects",
               "_rejects_scan", "_reject_lines", "_blanks")
# One real export read by an adapter (auditor.adapters): its lines, records and roles.
EXPORT_TABLES = ("_xa_lines", "_xa_doc", "_xa_records", "_xa_rows", "_xa_src", "_xa_role_map", "_xa_holders",
                 "_xa_roles")
# The records of every export of the load, kept from file to file within one load.
LOAD_TABLES = ("_xa_all",)


class Scratch:
    """The temporary tables of one load on `con`. Each step clears the tables it fills before it
    starts (`new_file`, `new_export`, `new_load`); the load drops every one before it commits
    (`drop_all`), so nothing is left to the connection's next statement (a load that fails is
    rolled back, its tables with it)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def _drop(self, tables: tuple[str, ...]) -> None:
        for table in tables:  # fixed names (above), never a name from an input
            self.con.execute(f"DROP TABLE IF EXISTS {table}")

    def new_file(self) -> None:
        self._drop(FILE_TABLES)

    def new_export(self) -> None:
        self._drop(EXPORT_TABLES)

    def new_load(self) -> None:
        self._drop(LOAD_TABLES)

    def drop_all(self) -> None:
        self._drop(FILE_TABLES + EXPORT_TABLES + LOAD_TABLES)
