"""The canonical input contract (README, "auditor load") as data: the one description of the logs.

From it come the SQL that validates and normalises each row (ingest), the logs' tables in
`queries/schema.sql` (the blocks between `-- generated from auditor/schema.py: ...` and
`-- end of generated`, rewritten by `python -m auditor.schema`; a test fails when they are
stale), the sample's columns and the optional logs. Column kinds and their stored types:
id, string, label, enum and country are VARCHAR, timestamp TIMESTAMPTZ (UTC), integer BIGINT,
boolean BOOLEAN (absent is false, so never NULL), list VARCHAR[]. A required column, and a
boolean, is NOT NULL.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

SQL_TYPES = {
    "id": "VARCHAR", "string": "VARCHAR", "label": "VARCHAR", "enum": "VARCHAR", "country": "VARCHAR",
    "timestamp": "TIMESTAMPTZ", "integer": "BIGINT", "boolean": "BOOLEAN", "list": "VARCHAR[]",
}
# Every log table's provenance: the loaded file (loaded_files.file_id), the line or row in it, a
# 64-bit hash of the normalised canonical columns (tells the versions of an id apart), the source
# row's extra columns, and a 64-bit hash of the row's id (_id_hash: the loader matches a file's ids
# against the loaded ones through it, 8 bytes a row rather than the text ids; last, so that a
# database made before it gains it with ALTER TABLE: auditor/db.py).
PROVENANCE = "_file_id INTEGER, _line BIGINT, _hash UBIGINT, _extra JSON, _id_hash UBIGINT"


@dataclass(frozen=True)
class Column:
    """One column of a log.

    kind is one of: id, string, label (a string stored lower case), enum (one of `values`),
    timestamp, country, integer, boolean, list.
    """

    name: str
    kind: str
    required: bool = False
    values: tuple[str, ...] = ()
    # Required only for some values of another column: (column, values).
    required_when: tuple[str, tuple[str, ...]] | None = None

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]

    @property
    def not_null(self) -> bool:
        """Stored NOT NULL: required, or a boolean (an absent one is false)."""
        return self.required or self.kind == "boolean"


@dataclass(frozen=True)
class Log:
    """One of the five logs: its name, its columns, and the column that identifies a row."""

    name: str
    columns: tuple[Column, ...]
    id_column: str
    required: bool = False
    # The users directory names each person once: a second, different row for an id is rejected.
    unique_id: bool = False
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    @property
    def key(self) -> Column:
        """The column that identifies a row (id_column)."""
        return self.columns[self.column_names.index(self.id_column)]

    @property
    def key_sql(self) -> str:
        """The id column as an SQL identifier (a name of our own schema)."""
        return f'"{self.id_column}"'


USERS = Log(
    "users",
    (
        Column("user_id", "id", required=True),
        Column("email", "string"),
        Column("display_name", "string"),
        Column("country", "country"),
    ),
    id_column="user_id",
    unique_id=True,
)

ADMIN_EVENTS = Log(
    "admin_events",
    (
        Column("event_id", "id", required=True),
        Column("occurred_at", "timestamp", required=True),
        Column("actor_id", "id", required=True),
        Column("actor_role", "label", required=True),
        Column(
            "action",
            "enum",
            required=True,
            values=("enable_all", "enable_group", "disable", "group_add", "group_remove", "announce"),
        ),
        Column("group_id", "id", required_when=("action", ("enable_group", "group_add", "group_remove"))),
        Column("target_user_id", "id", required_when=("action", ("group_add", "group_remove"))),
    ),
    id_column="event_id",
)

CONSENT_EVENTS = Log(
    "consent_events",
    (
        Column("event_id", "id", required=True),
        Column("occurred_at", "timestamp", required=True),
        Column("user_id", "id", required=True),
        Column("action", "enum", required=True, values=("connect", "disconnect", "hide_profile", "show_profile")),
        Column("scope", "enum", values=("bidirectional", "linkedin_only"), required_when=("action", ("connect",))),
        Column("surface", "label"),
        Column("notice_version", "string"),
    ),
    id_column="event_id",
    required=True,
)

ACCESS_EVENTS = Log(
    "access_events",
    (
        Column("event_id", "id", required=True),
        Column("occurred_at", "timestamp", required=True),
        Column("user_id", "id", required=True),
        Column("direction", "enum", required=True, values=("linkedin_to_microsoft", "microsoft_to_linkedin")),
        Column(
            "category",
            "enum",
            required=True,
            values=("profile", "interests", "subscriptions", "connections", "calendar", "contacts"),
        ),
        Column("fields", "list"),
        Column("connection_degree", "integer"),
        Column("app", "label"),
        Column("viewer_id", "id"),
        Column("session_id", "id", required=True),
        Column("session_end", "timestamp"),
        Column("purged_at", "timestamp"),
        Column("source_region", "country"),
        Column("destination_region", "country"),
        Column("transfer_mechanism", "label"),
    ),
    id_column="event_id",
    required=True,
)

DSR_REQUESTS = Log(
    "dsr_requests",
    (
        Column("request_id", "id", required=True),
        Column("user_id", "id", required=True),
        Column(
            "type", "enum", required=True, values=("access", "erasure", "portability", "rectification", "objection")
        ),
        Column("scope", "enum", values=("contacts", "all")),
        Column("received_at", "timestamp", required=True),
        Column("extended", "boolean"),
        Column("completed_at", "timestamp"),
    ),
    id_column="request_id",
)

# Load order matters only for readability of the summary: the directory first.
LOGS: tuple[Log, ...] = (USERS, ADMIN_EVENTS, CONSENT_EVENTS, ACCESS_EVENTS, DSR_REQUESTS)
LOGS_BY_NAME: dict[str, Log] = {log.name: log for log in LOGS}
# The logs an input folder may lack: absent, they are read as "no such events".
OPTIONAL_LOGS: frozenset[str] = frozenset(log.name for log in LOGS if not log.required)

# Snapshots of the "LinkedIn account connections" setting (auditor/adapters/snapshots.py): loaded
# and validated like a log, though not one of the five.
SNAPSHOTS = Log(
    "linkedin_setting_snapshots",
    (
        Column("taken_at", "timestamp", required=True),
        Column("value", "enum", required=True, values=("yes", "selected_group", "no", "0", "4", "1")),
        Column("group_id", "id", required_when=("value", ("selected_group", "4"))),
        Column("taken_by", "string"),
    ),
    id_column="taken_at",
)
TABLES: dict[str, Log] = {log.name: log for log in (*LOGS, SNAPSHOTS)}


def create_table(log: Log) -> str:
    """The CREATE TABLE statement of a log: its columns in order, then the provenance columns."""
    width = max(len(c.name) for c in log.columns) + 1
    lines = [f"    {c.name:<{width}}{c.sql_type}{' NOT NULL' if c.not_null else ''}," for c in log.columns]
    return f"CREATE TABLE IF NOT EXISTS {log.name} (\n" + "\n".join(lines) + f"\n    {PROVENANCE}\n);\n"


_BLOCK = re.compile(r"(-- generated from auditor/schema\.py: ([\w, ]+)\n)(.*?)(-- end of generated\n)", re.S)


def generated(schema_sql: str) -> str:
    """schema.sql with each generated block rewritten: the tables its first line names."""
    def block(m: re.Match[str]) -> str:
        names = [n.strip() for n in m.group(2).split(",")]
        return m.group(1) + "\n".join(create_table(TABLES[n]) for n in names) + m.group(4)

    return _BLOCK.sub(block, schema_sql)


def main(argv: list[str]) -> int:
    """`python -m auditor.schema [PATH]`: rewrite the generated blocks of queries/schema.sql."""
    from auditor.resources import queries_dir

    path = Path(argv[0]) if argv else queries_dir() / "schema.sql"
    text = path.read_text(encoding="utf-8")
    new = generated(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    print(f"{path}: {'rewritten' if new != text else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
