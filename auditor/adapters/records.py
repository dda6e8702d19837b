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
from auditor.ingest import TS_WITH_OFFSET, SourceFile, Staged
from auditor.schema import LOGS_BY_NAME

# Case-insensitive JSON access: Microsoft's own examples write `Type` where the schema says
# `type`, and Graph PowerShell writes every key in PascalCase. An adapter lower-cases the keys it
# reads (`lower_keys`, one regex per key: a key is a JSON string followed by a colon, which text
# inside a string never is, its quotes being escaped) and then reads the record into a typed
# struct with from_json. Values of modifiedProperties are JSON text inside strings ("[true]",
# "\"False\"") and are decoded once (xa_decode); a plain value stays as it is. Windows PowerShell
# 5.1's ConvertTo-Json writes a date as "\/Date(1758000000000)\/" (milliseconds since the epoch,
# UTC; a suffix such as +0200 only says the zone it was shown in): xa_time writes it as ISO 8601
# UTC, so it is validated like any timestamp.
MACROS = r"""
CREATE OR REPLACE TEMP MACRO xa_text(t) AS
    CASE WHEN t IS NULL OR json_type(t) = 'NULL' THEN NULL WHEN json_type(t) = 'VARCHAR' THEN json_extract_string(t, '$')
         ELSE CAST(t AS VARCHAR) END;
CREATE OR REPLACE TEMP MACRO xa_json_value(jv) AS
    CASE WHEN json_type(jv) = 'ARRAY' AND json_array_length(jv) = 0 THEN NULL
         WHEN json_type(jv) = 'ARRAY' AND json_array_length(jv) = 1 THEN xa_text(json_extract(jv, 0))
         ELSE xa_text(jv) END;
CREATE OR REPLACE TEMP MACRO xa_decode(v) AS
    NULLIF(trim(CASE WHEN v IS NULL OR NOT json_valid(v) THEN v ELSE xa_json_value(CAST(v AS JSON)) END), '');
CREATE OR REPLACE TEMP MACRO xa_blank(v) AS NULLIF(trim(v), '');
CREATE OR REPLACE TEMP MACRO xa_time(v) AS
    CASE WHEN regexp_full_match(v, '\\?/Date\((-?[0-9]{1,15})([+-][0-9]{4})?\)\\?/')
         THEN strftime(make_timestamp(CAST(regexp_extract(v, '(-?[0-9]+)', 1) AS BIGINT) * 1000), '%Y-%m-%dT%H:%M:%S.%gZ')
         ELSE v END;
"""


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


# Activity names are compared in lower case without the trailing period the unified audit log
# adds ("Add member to group."). Role assignments are context: they tell who was an admin.
MAPPING = """
CASE
  WHEN key IN ('add member to group', 'remove member from group') THEN
    CASE WHEN CAST($group AS VARCHAR) IS NULL
           THEN {'log': NULL, 'action': NULL, 'detail': 'no LinkedIn group configured (sources.selected_group_id)'}
         WHEN lower(group_id) = CAST($group AS VARCHAR)
           THEN {'log': 'admin_events', 'action': CASE key WHEN 'add member to group' THEN 'group_add' ELSE 'group_remove' END,
                 'detail': NULL}
         ELSE {'log': NULL, 'action': NULL, 'detail': 'not the LinkedIn group'} END
  WHEN key IN ('consent to application', 'remove delegated permission grant') THEN
    CASE WHEN len(CAST($apps AS VARCHAR[])) = 0
           THEN {'log': NULL, 'action': NULL, 'detail': 'no LinkedIn app ids configured (sources.linkedin_app_ids)'}
         WHEN len(list_intersect(list_transform(app_ids, lambda a: lower(trim(a))), CAST($apps AS VARCHAR[]))) = 0
           THEN {'log': NULL, 'action': NULL, 'detail': 'not a LinkedIn app'}
         WHEN key = 'remove delegated permission grant' AND admin_consent
           THEN {'log': NULL, 'action': NULL, 'detail': 'admin consent for the organisation removed, not a user''s own choice'}
         WHEN key = 'remove delegated permission grant'
           THEN {'log': 'consent_events', 'action': 'disconnect', 'detail': NULL}
         WHEN admin_consent
           THEN {'log': NULL, 'action': NULL, 'detail': 'admin consent for the organisation, not a user''s own choice'}
         WHEN actor_id IS NULL AND actor_upn IS NULL
           THEN {'log': NULL, 'action': NULL, 'detail': 'not consented by a user'}
         ELSE {'log': 'consent_events', 'action': 'connect', 'detail': NULL} END
  WHEN key IN ('add member to role', 'remove member from role')
    THEN {'log': 'directory_roles', 'action': CASE key WHEN 'add member to role' THEN 'add' ELSE 'remove' END, 'detail': NULL}
  ELSE {'log': NULL, 'action': NULL, 'detail': 'activity not mapped'}
END"""

INSERT_SQL = f"""
INSERT INTO source_events (format, path, sha256, file_id, seq, line, pointer, record_id, occurred_at, occurred_text,
    activity, result, actor_id, actor_upn, actor_app_id, user_id, target_upn, group_id, app_ids, role_name,
    admin_consent, status, detail, log, action, actor_role, raw)
SELECT format, path, sha256, NULL, seq, line, pointer, record_id,
       CASE WHEN regexp_full_match(occurred_text, '{TS_WITH_OFFSET}') THEN TRY_CAST(occurred_text AS TIMESTAMPTZ) END,
       occurred_text, activity, result, actor_id, actor_upn, actor_app_id,
       CASE m.action WHEN 'connect' THEN coalesce(actor_id, actor_upn)
                     WHEN 'disconnect' THEN coalesce(principal_id, target_user_id, actor_id, actor_upn)
                     ELSE coalesce(target_user_id, target_upn) END,
       target_upn, group_id, app_ids, role_name, admin_consent,
       CASE WHEN m.log IS NULL THEN 'unmapped' WHEN NOT ok THEN 'failed'
            WHEN m.log = 'directory_roles' THEN 'context' ELSE 'mapped' END,
       CASE WHEN m.log IS NOT NULL AND NOT ok THEN 'result: ' || coalesce(result, '(none)') ELSE m.detail END,
       CASE WHEN m.log <> 'directory_roles' THEN m.log END, m.action, NULL, raw
FROM (
  SELECT *, {MAPPING} AS m
  FROM (SELECT *, lower(trim(regexp_replace(trim(coalesce(activity, '')), '\\.$', ''))) AS key,
               coalesce(lower(trim(result)) IN ('success', 'succeeded'), false) AS ok
        FROM _xa_all))
ORDER BY path, seq"""


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MACROS)


def collect(con: duckdb.DuckDBPyConnection, fmt: str, path: str, sha: str, read: int) -> None:
    """Add the records an adapter left in `_xa_src` to `_xa_all`, the records of this load;
    `read` numbers the exports of the load in the order they are read (and loaded)."""
    columns = ", ".join(SRC_COLUMNS)
    con.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS _xa_all AS SELECT ''::VARCHAR AS format, ''::VARCHAR AS path, "
        f"''::VARCHAR AS sha256, 0 AS read, {columns} FROM _xa_src LIMIT 0"
    )
    con.execute(f"INSERT INTO _xa_all SELECT $format, $path, $sha, $read, {columns} FROM _xa_src",
                {"format": fmt, "path": path, "sha": sha, "read": read})


def linkedin_apps(con: duckdb.DuckDBPyConnection, config: Config) -> list[str]:
    """The configured LinkedIn app ids, plus every id that a consent record of one of them names.

    A consent record names the app id and the service principal's object id together; a grant
    removal often names only the service principal, so it is recognised through this. Only ids
    (GUIDs) are taken, not the URLs among the service principal names.
    """
    apps = sorted({a.strip().lower() for a in config.sources.linkedin_app_ids if a.strip()})
    if not apps:
        return []
    found = con.execute("""
SELECT list(DISTINCT lower(trim(id))) FROM (
  SELECT unnest(app_ids) AS id FROM (
    SELECT app_ids, activity FROM source_events UNION ALL SELECT app_ids, activity FROM _xa_all)
  WHERE lower(trim(regexp_replace(trim(coalesce(activity, '')), '\\.$', ''))) = 'consent to application'
    AND len(list_intersect(list_transform(app_ids, lambda a: lower(trim(a))), CAST($apps AS VARCHAR[]))) > 0)
WHERE regexp_full_match(trim(id), $guid)""", {"apps": apps, "guid": GUID}).fetchone()[0]
    return sorted(set(apps) | set(found or []))


def insert_source_events(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Map every record of `_xa_all` and keep it in source_events."""
    run(con, INSERT_SQL, {
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
    con.execute("CREATE OR REPLACE TEMP TABLE _xa_role_map (name VARCHAR, label VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE _xa_holders (who VARCHAR, role_name VARCHAR)")
    roles = [(k.strip().lower(), v.strip().lower()) for k, v in config.sources.roles.items()]
    holders = [(k.strip().lower(), v.strip()) for k, v in config.sources.role_holders.items()]
    if roles:
        con.executemany("INSERT INTO _xa_role_map VALUES (?, ?)", roles)
    if holders:
        con.executemany("INSERT INTO _xa_holders VALUES (?, ?)", holders)
    run(con, """
CREATE OR REPLACE TEMP TABLE _xa_roles AS
  WITH ev AS (
    SELECT sha256, pointer, lower(actor_id) AS id, lower(actor_upn) AS upn, occurred_at
    FROM source_events WHERE status = 'mapped' AND log = 'admin_events'),
  changes AS (
    SELECT lower(user_id) AS id, lower(target_upn) AS upn, role_name, occurred_at, action
    FROM source_events WHERE status = 'context' AND role_name IS NOT NULL AND occurred_at IS NOT NULL
    UNION ALL  -- role_holders: held before the exports begin, so any record of that role comes after
    SELECT who, who, role_name, '-infinity'::TIMESTAMPTZ, 'add' FROM _xa_holders),
  labelled_changes AS (  -- a role is its label: "Company Administrator" and "Global Administrator" are one
    SELECT c.*, coalesce(m.label, trim(regexp_replace(lower(trim(c.role_name)), '[^a-z0-9]+', '_', 'g'), '_')) AS label
    FROM changes c LEFT JOIN _xa_role_map m ON m.name = lower(trim(c.role_name))),
  labelled AS (
    SELECT ev.sha256, ev.pointer, c.label, arg_max(c.action, {'t': c.occurred_at, 'r': c.action = 'remove'}) AS last
    FROM ev JOIN labelled_changes c ON (c.id = ev.id OR c.upn = ev.upn) AND c.occurred_at <= ev.occurred_at
    GROUP BY ALL),
  chosen AS (
    SELECT sha256, pointer,
           arg_min(label, {'rank': coalesce(list_position(CAST($admin_roles AS VARCHAR[]), label), 1000000), 'label': label})
             FILTER (WHERE last = 'add') AS label
    FROM labelled GROUP BY ALL)
  SELECT ev.sha256, ev.pointer,
         CASE WHEN ev.id IS NULL AND ev.upn IS NULL THEN 'application'
              ELSE coalesce(chosen.label, CASE WHEN chosen.sha256 IS NOT NULL THEN 'user' ELSE 'unknown' END) END AS role
  FROM ev LEFT JOIN chosen USING (sha256, pointer)""",
        {"admin_roles": [r.lower() for r in config.controls.admin_roles]})
    con.execute("""
UPDATE source_events SET actor_role = r.role FROM _xa_roles r
WHERE source_events.sha256 = r.sha256 AND source_events.pointer = r.pointer AND source_events.actor_role IS DISTINCT FROM r.role""")
    hashed = ", ".join("r.role" if c == "actor_role" else c for c in LOGS_BY_NAME["admin_events"].column_names)
    return con.execute(f"""
UPDATE admin_events SET actor_role = r.role, _hash = hash({hashed})  -- as ingest hashes a row
FROM _xa_roles r, loaded_files f
WHERE admin_events._file_id = f.file_id AND f.sha256 = r.sha256 AND admin_events._extra ->> 'pointer' = r.pointer
  AND admin_events.actor_role <> r.role""").fetchone()[0]


# The correlation id of a record as exported: Graph's `correlationId`, the audit log's
# `AuditData.InterSystemsId` (the GUID that tracks the request across Microsoft 365's systems).
# Read from the raw record, so records of earlier loads have it too; only mapped records are read.
CORRELATION_ID = f"""lower(trim(CASE format
    WHEN 'graph_directory_audit' THEN json_extract_string({lower_keys('raw', ('correlationid',))}, '$.correlationid')
    WHEN 'm365_audit_csv' THEN json_extract_string({lower_keys('raw', ('intersystemsid',))}, '$.intersystemsid') END))"""
TWIN_SECONDS = 60  # a correlation id names a request, which a client may reuse: twins are close in time too


def match_twins(con: duckdb.DuckDBPyConnection) -> int:
    """Record in `source_twins` each mapped record of this load that is the same change as a
    mapped record of the other format: the same correlation id, log, action, person and group,
    at most TWIN_SECONDS apart. Returns how many records of this load are twins.

    The record it is the twin of was loaded before it: in an earlier load, or in this one from an
    export read before (by name, as the summary lists them); of several, the nearest in time. So
    the first loaded keeps its row, and loading the same files again at once, in load order (as
    `verify --rerun` loads a pack's inputs), keeps the same rows. A record that is itself a twin
    is never taken. A correlation id names a request, and one request may change several members, so
    the change must agree as well; the actor is not compared, being named differently (an
    application by its app id in Graph, its service principal in the audit log).
    """
    return con.execute(f"""
INSERT INTO source_twins
WITH m AS (
  SELECT sha256, pointer, format, path, seq, log, action, lower(user_id) AS person, lower(group_id) AS grp, occurred_at,
         {CORRELATION_ID} AS cid, r.read IS NOT NULL AS now, r.read
  FROM source_events LEFT JOIN (SELECT DISTINCT sha256, read FROM _xa_all) r USING (sha256)
  WHERE status = 'mapped' AND (sha256, pointer) NOT IN (SELECT (sha256, pointer) FROM source_twins)),
pairs AS (
  SELECT a.sha256, a.pointer, b.sha256 AS of_sha256, b.pointer AS of_pointer, a.cid,
         row_number() OVER (PARTITION BY a.sha256, a.pointer
                            ORDER BY abs(epoch(a.occurred_at) - epoch(b.occurred_at)), b.now, b.read, b.seq) AS k
  FROM m a JOIN m b
    ON a.cid = b.cid AND a.format <> b.format AND a.log = b.log AND a.action = b.action
   AND a.person IS NOT DISTINCT FROM b.person AND a.grp IS NOT DISTINCT FROM b.grp
   AND abs(epoch(a.occurred_at) - epoch(b.occurred_at)) <= {TWIN_SECONDS}
  WHERE a.now AND a.cid <> '' AND (NOT b.now OR b.read < a.read))
SELECT sha256, pointer, of_sha256, of_pointer, cid FROM pairs WHERE k = 1""").fetchone()[0]


def overlaps(con: duckdb.DuckDBPyConnection, shas: list[str]) -> int:
    """How many mapped records of the exports `shas` look like a change that a mapped record of
    the other format also records, with no correlation id to say so (not twins, match_twins):
    the same log, action, person, actor and group, less than a second apart (a Graph time has
    fractions, an audit-log time whole seconds).

    Nothing says for certain that two such records are one change, so they are counted, for the
    load to say, not merged.
    """
    return con.execute("""
        WITH linked AS (SELECT sha256, pointer FROM source_twins UNION SELECT of_sha256, of_pointer FROM source_twins),
        m AS (
            SELECT sha256, format, pointer, log, action, user_id, coalesce(actor_id, actor_upn, actor_app_id) AS actor,
                   group_id, occurred_at
            FROM source_events WHERE status = 'mapped' AND (sha256, pointer) NOT IN (SELECT (sha256, pointer) FROM linked))
        SELECT count(DISTINCT (a.sha256, a.pointer)) FROM m a JOIN m b
          ON a.format <> b.format AND a.log = b.log AND a.action = b.action AND a.user_id IS NOT DISTINCT FROM b.user_id
         AND a.actor IS NOT DISTINCT FROM b.actor AND a.group_id IS NOT DISTINCT FROM b.group_id
         AND abs(epoch(a.occurred_at) - epoch(b.occurred_at)) < 1
        WHERE a.sha256 IN (SELECT unnest(?::VARCHAR[]))""", [shas]).fetchone()[0]


# The canonical columns of each log as SQL over source_events.
CANONICAL = {
    "admin_events": {
        "event_id": "record_id", "occurred_at": "occurred_text", "actor_id": "coalesce(actor_id, actor_upn, actor_app_id)",
        "actor_role": "actor_role", "action": "action", "group_id": "group_id", "target_user_id": "user_id",
    },
    "consent_events": {
        "event_id": "record_id", "occurred_at": "occurred_text", "user_id": "user_id", "action": "action",
        "scope": "CASE WHEN action = 'connect' THEN $scope END", "surface": "NULL", "notice_version": "NULL",
    },
}


def mapped_stager(sha: str, config: Config) -> Callable[[duckdb.DuckDBPyConnection, SourceFile], Staged]:
    """A stager for ingest._load_file: the mapped rows of one export for the log of `src`.

    A twin (source_twins) takes the canonical values of the record it is the twin of, so it is
    that row's duplicate; its line, raw text and provenance stay its own.
    """

    def stage(con: duckdb.DuckDBPyConnection, src: SourceFile) -> Staged:
        columns = CANONICAL[src.log.name]
        select = ", ".join(f'{sql} AS "{name}"' for name, sql in columns.items())
        run(con, f"""
CREATE TEMP TABLE _stage AS
SELECT row_number() OVER (ORDER BY own.seq) AS _ord, own.line AS _src_line, own.raw AS _raw,
       json_object('source', own.format, 'pointer', own.pointer, 'record_id', own.record_id, 'activity', own.activity,
                   'actor_upn', own.actor_upn, 'user_upn', own.target_upn) AS _x,
       {select}
FROM (
  SELECT s AS own, unnest(CASE WHEN p.sha256 IS NULL THEN s ELSE p END)
  FROM source_events s
  LEFT JOIN source_twins t ON t.sha256 = s.sha256 AND t.pointer = s.pointer
  LEFT JOIN source_events p ON p.sha256 = t.of_sha256 AND p.pointer = t.of_pointer
  WHERE s.sha256 = $sha AND s.status = 'mapped' AND s.log = $log)""",
            {"sha": sha, "log": src.log.name, "scope": config.sources.consent_scope})
        return Staged(
            sources={name: f'"{name}"' for name in src.log.column_names},
            raw_sql="_s._raw", extra_sql="_x", params={}, header_lines=0, source_lines=True,
        )

    return stage
