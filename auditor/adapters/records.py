"""What the audit-log adapters share: JSON helpers, the mapping to canonical rows, actor roles.

An adapter (graph.py, m365.py) leaves one row per exported record in the temp table `_xa_src`
with the columns of SRC_COLUMNS (text as exported, keys already matched case-insensitively);
`collect` adds them to `_xa_all` with the file they came from. Once every export of the load is
read, the rest is the same for both formats:

1. `insert_source_events`: decide each record's fate (mapped / unmapped / failed / context) and
   keep it in `source_events` with its pointer and raw text;
2. `match_twins`: find the records that are the same change as a record of the other format
   (the same correlation id), loaded now or before, and keep the pairs in `source_twins`;
3. `resolve_roles`: give each mapped admin event its actor's role at that moment, from the role
   assignments in every export loaded so far and `[sources] role_holders` (again for the events
   of earlier loads);
4. `mapped_stager`: hand the mapped rows of one log to the loader's own check and keep steps (a
   twin with the values of the row it shares, so it is that row's duplicate).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from auditor.config import Config
from auditor.db import run
from auditor.load.checks import TS_WITH_OFFSET
from auditor.load.types import SourceFile, Staged
from auditor.resources import sql

# Case-insensitive JSON access: Microsoft's own examples write `Type` where the schema says
# `type`, and Graph PowerShell writes every key in PascalCase. An adapter lower-cases the keys it
# reads (`lower_keys`, one regex per key: a key is a JSON string followed by a colon, which text
# inside a string never is, its quotes being escaped) and then reads the record into a typed
# struct with from_json. The macros that decode values are in queries/adapters/macros.sql.


def lower_keys(expr: str, keys: tuple[str, ...]) -> str:
    """SQL turning the JSON text `expr` into the same text with `keys` written in lower case."""
    for key in keys:
        expr = f"""regexp_replace({expr}, '"(?i:{key})"(\\s*):', '"{key}"\\1:', 'g')"""
    return expr


GUID = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"

# The columns an adapter leaves in _xa_src, in this order.
SRC_COLUMNS = (
    "seq", "line", "pointer", "raw", "record_id", "occurred_text", "activity", "result", "actor_id", "actor_upn",
    "actor_app_id", "target_user_id", "target_upn", "group_id", "app_ids", "role_name", "admin_consent", "principal_id",
)


# Names (lower case) under which a record names the client application of a consent or grant:
# modified properties (Graph and audit log alike) and additional details. A grant removal often
# targets only the *resource* service principal ("Microsoft Graph") and names the client, the
# LinkedIn app, only as the property ServicePrincipal.ObjectID.
APP_ID_NAME = (
    "({x} = 'targetid.serviceprincipalnames' OR {x} LIKE '%appid%' OR {x} LIKE '%clientid%' "
    "OR {x} IN ('serviceprincipal.objectid', 'serviceprincipalid', 'serviceprincipalobjectid'))"
)


def modified_properties(mods: str) -> dict[str, str]:
    """SQL for the fields read from a list of modified properties {name (lower), old, new}."""

    def first(names: str, value: str) -> str:
        return f"list_transform(list_filter({mods}, lambda p: p.name IN ({names})), lambda p: {value})[1]"

    return {
        "group_id": first("'group.objectid'", "coalesce(p.new, p.old)"),
        "role_name": first("'role.displayname'", "coalesce(p.new, p.old)"),
        "principal_id": first("'delegatedpermissiongrant.principalid', 'principalid'", "coalesce(p.old, p.new)"),
        # Both values: a removal names the app in oldValue, an addition in newValue.
        "app_ids": (
            f"flatten(list_transform(list_filter({mods}, lambda p: {APP_ID_NAME.format(x='p.name')}), "
            "lambda p: flatten([string_split(coalesce(p.new, ''), ';'), string_split(coalesce(p.old, ''), ';')])))"
        ),
        # Consent given, or a grant removed, for the whole organisation rather than one user.
        "admin_consent": (
            f"len(list_filter({mods}, lambda p: (p.name IN ('consentcontext.isadminconsent', 'consentcontext.onbehalfofall') "
            "AND lower(trim(p.new)) = 'true') OR (p.name = 'delegatedpermissiongrant.consenttype' "
            "AND lower(trim(coalesce(p.new, p.old))) = 'allprincipals'))) > 0"
        ),
    }


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(sql("adapters/macros"))


def collect(con: duckdb.DuckDBPyConnection, fmt: str, path: str, sha: str, read: int) -> None:
    """Add the records an adapter left in `_xa_src` to `_xa_all`, the records of this load;
    `read` numbers the exports of the load in the order they are read (and loaded)."""
    con.execute(sql("adapters/collect_table"))
    con.execute(sql("adapters/collect"), {"format": fmt, "path": path, "sha": sha, "read": read})


def linkedin_apps(con: duckdb.DuckDBPyConnection, config: Config) -> list[str]:
    """The configured LinkedIn app ids, plus every id that a consent record of one of them names.

    A consent record names the app id and the service principal's object id together; a grant
    removal often names only the service principal, so it is recognised through this. Only ids
    (GUIDs) are taken, not the URLs among the service principal names.
    """
    apps = sorted({a.strip().lower() for a in config.sources.linkedin_app_ids if a.strip()})
    if not apps:
        return []
    found = con.execute(sql("adapters/linkedin_apps"), {"apps": apps, "guid": GUID}).fetchone()[0]
    return sorted(set(apps) | set(found or []))


def insert_source_events(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Map every record of `_xa_all` and keep it in source_events."""
    run(con, sql("adapters/insert_source_events"), {
        "ts_with_offset": TS_WITH_OFFSET,
        "apps": linkedin_apps(con, config),
        "group": config.sources.selected_group_id.strip().lower() or None,
    })


def resolve_roles(con: duckdb.DuckDBPyConnection, config: Config) -> int:
    """Set actor_role on every mapped admin event, from every role record loaded so far.

    An event of an earlier load whose role the records loaded now change (an older export
    loaded after a newer one) is changed in admin_events too, with its content hash, so that the
    same event in a later export is its duplicate. Returns how many such events changed.

    The roles an actor holds at t: for each directory role, the latest assignment record (add or
    remove; a removal wins a tie) of that actor at or before t in any export loaded, where the
    roles `[sources] role_holders` names count as added before the exports begin (so a removal
    the exports record ends them). Names map to our labels through `[sources] roles`
    (case-insensitively; an unlisted name becomes snake_case), and a role is its label.
    Of several roles, one in `[controls] admin_roles` is chosen first. An actor with no role
    known is `unknown` (`user` when the records show every role removed); an application
    acting alone is `application`.
    """
    con.execute(sql("adapters/role_tables"))
    roles = [(k.strip().lower(), v.strip().lower()) for k, v in config.sources.roles.items()]
    holders = [(k.strip().lower(), v.strip()) for k, v in config.sources.role_holders.items()]
    if roles:
        con.executemany(sql("adapters/role_map_row"), roles)
    if holders:
        con.executemany(sql("adapters/holder_row"), holders)
    run(con, sql("adapters/roles"),
        {"admin_roles": [r.lower() for r in config.controls.admin_roles]})
    con.execute(sql("adapters/set_source_roles"))
    return con.execute(sql("adapters/set_admin_roles")).fetchone()[0]


def match_twins(con: duckdb.DuckDBPyConnection) -> int:
    """Record in `source_twins` each mapped record of this load that is the same change as a
    mapped record of the other format: the same correlation id, log, action, person and group,
    at most 60 seconds apart. Returns how many records of this load are twins.

    The record it is the twin of was loaded before it: in an earlier load, or in this one from an
    export read before (by name, as the summary lists them); of several, the nearest in time. So
    the first loaded keeps its row, and loading the same files again at once, in load order (as
    `verify --rerun` loads a pack's inputs), keeps the same rows. A record that is itself a twin
    is never taken. A correlation id names a request, and one request may change several members, so
    the change must agree as well; the actor is not compared, being named differently (an
    application by its app id in Graph, its service principal in the audit log).
    """
    return con.execute(sql("adapters/match_twins")).fetchone()[0]


def overlaps(con: duckdb.DuckDBPyConnection, shas: list[str]) -> int:
    """How many mapped records of the exports `shas` look like a change that a mapped record of
    the other format also records, with no correlation id to say so (not twins, match_twins):
    the same log, action, person, actor and group, less than a second apart (a Graph time has
    fractions, an audit-log time whole seconds).

    Nothing says for certain that two such records are one change, so they are counted, for the
    load to say, not merged.
    """
    return con.execute(sql("adapters/overlaps"), [shas]).fetchone()[0]


def mapped_stager(sha: str, config: Config) -> Callable[[duckdb.DuckDBPyConnection, SourceFile], Staged]:
    """A stager for auditor.load.write.write_file: the mapped rows of one export for the log of `src`.

    A twin (source_twins) takes the canonical values of the record it is the twin of, so it is
    that row's duplicate; its line, raw text and provenance stay its own.
    """

    def stage(con: duckdb.DuckDBPyConnection, src: SourceFile) -> Staged:
        run(con, sql("adapters/stage_mapped"), {"sha": sha, "log": src.log.name, "scope": config.sources.consent_scope})
        return Staged(
            sources={name: f'"{name}"' for name in src.log.column_names},
            raw_sql="_s._raw", extra_sql="_x", params={}, header_lines=0, source_lines=True,
        )

    return stage
