"""The canonical input contract (README, "auditor load") as data.

The loader turns these descriptions into the SQL that validates and normalises each row; the
tables themselves are created by `queries/schema.sql` (a test checks that the two agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
