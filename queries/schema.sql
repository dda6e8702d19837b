-- The audit database. Every log table holds the canonical columns (auditor/schema.py) plus
-- provenance: the loaded file (_file_id -> loaded_files), the line or row number in it (_line),
-- a 64-bit hash of the normalised canonical columns that tells the versions of an id apart (_hash),
-- any extra columns of the source row as a JSON object (_extra; kept, never judged), and a 64-bit
-- hash of the row's id (_id_hash) through which the loader finds a file's duplicates and versions.

CREATE SEQUENCE IF NOT EXISTS loaded_files_seq START 1;

CREATE TABLE IF NOT EXISTS loaded_files (
    file_id       INTEGER PRIMARY KEY DEFAULT nextval('loaded_files_seq'),
    log           VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,
    format        VARCHAR NOT NULL,
    size_bytes    BIGINT NOT NULL,
    sha256        VARCHAR NOT NULL,
    rows_read     BIGINT NOT NULL,
    rows_loaded   BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    duplicates    BIGINT NOT NULL,
    loaded_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS rejected_rows (
    file_id     INTEGER NOT NULL,
    log         VARCHAR NOT NULL,
    file        VARCHAR NOT NULL,
    line        BIGINT,
    column_name VARCHAR,
    rule        VARCHAR NOT NULL,
    message     VARCHAR NOT NULL,
    raw         VARCHAR
);

-- generated from auditor/schema.py: users, admin_events, consent_events, access_events, dsr_requests
CREATE TABLE IF NOT EXISTS users (
    user_id      VARCHAR NOT NULL,
    email        VARCHAR,
    display_name VARCHAR,
    country      VARCHAR,
    _file_id INTEGER, _line BIGINT, _hash UBIGINT, _extra JSON, _id_hash UBIGINT
);

CREATE TABLE IF NOT EXISTS admin_events (
    event_id       VARCHAR NOT NULL,
    occurred_at    TIMESTAMPTZ NOT NULL,
    actor_id       VARCHAR NOT NULL,
    actor_role     VARCHAR NOT NULL,
    action         VARCHAR NOT NULL,
    group_id       VARCHAR,
    target_user_id VARCHAR,
    _file_id INTEGER, _line BIGINT, _hash UBIGINT, _extra JSON, _id_hash UBIGINT
);

CREATE TABLE IF NOT EXISTS consent_events (
    event_id       VARCHAR NOT NULL,
    occurred_at    TIMESTAMPTZ NOT NULL,
    user_id        VARCHAR NOT NULL,
    action         VARCHAR NOT NULL,
    scope          VARCHAR,
    surface        VARCHAR,
    notice_version VARCHAR,
    _file_id INTEGER, _line BIGINT, _hash UBIGINT, _extra JSON, _id_hash UBIGINT
);

CREATE TABLE IF NOT EXISTS access_events (
    event_id           VARCHAR NOT NULL,
    occurred_at        TIMESTAMPTZ NOT NULL,
    user_id            VARCHAR NOT NULL,
    direction          VARCHAR NOT NULL,
    category           VARCHAR NOT NULL,
    fields             VARCHAR[],
    connection_degree  BIGINT,
    app                VARCHAR,
    viewer_id          VARCHAR,
    session_id         VARCHAR NOT NULL,
    session_end        TIMESTAMPTZ,
    purged_at          TIMESTAMPTZ,
    source_region      VARCHAR,
    destination_region VARCHAR,
    transfer_mechanism VARCHAR,
    _file_id INTEGER, _line BIGINT, _hash UBIGINT, _extra JSON, _id_hash UBIGINT
);

CREATE TABLE IF NOT EXISTS dsr_requests (
    request_id   VARCHAR NOT NULL,
    user_id      VARCHAR NOT NULL,
    type         VARCHAR NOT NULL,
    scope        VARCHAR,
    received_at  TIMESTAMPTZ NOT NULL,
    extended     BOOLEAN NOT NULL,
    completed_at TIMESTAMPTZ,
    _file_id INTEGER, _line BIGINT, _hash UBIGINT, _extra JSON, _id_hash UBIGINT
);
-- end of generated

-- Real exports (auditor/adapters). Snapshots of the "LinkedIn account connections" setting,
-- loaded and validated like a log: value is yes / selected_group / no, or the portal's number
-- 0 / 4 / 1. Each change between consecutive snapshots becomes an admin event (loaded_files
-- format 'linkedin_snapshots', actor 'snapshot') that `log-integrity` matches to an audit record.
-- generated from auditor/schema.py: linkedin_setting_snapshots
CREATE TABLE IF NOT EXISTS linkedin_setting_snapshots (
    taken_at TIMESTAMPTZ NOT NULL,
    value    VARCHAR NOT NULL,
    group_id VARCHAR,
    taken_by VARCHAR,
    _file_id INTEGER, _line BIGINT, _hash UBIGINT, _extra JSON, _id_hash UBIGINT
);
-- end of generated

-- Every record of a Microsoft Graph directoryAudit or Microsoft 365 audit log export, mapped or
-- not, with a pointer to where it is in the export. status: mapped (became a canonical row in
-- `log`, loaded_files row file_id), unmapped (not about the integration; detail says why),
-- failed (would map, but its result is not success), context (a directory role assignment,
-- used for actor_role).
CREATE TABLE IF NOT EXISTS source_events (
    format         VARCHAR NOT NULL,   -- graph_directory_audit or m365_audit_csv
    path           VARCHAR NOT NULL,   -- the export file
    sha256         VARCHAR NOT NULL,   -- of the export file
    file_id        INTEGER,            -- loaded_files row of the canonical row it became
    seq            BIGINT NOT NULL,    -- the record's position in the export (1 = first)
    line           BIGINT,             -- physical line where the record starts (NULL inside a JSON document)
    pointer        VARCHAR NOT NULL,   -- 'line 7', 'line 7 $.value[2]', '$.value[12]' or '$[12]'
    record_id      VARCHAR,            -- the export's id of the record (Graph id, AuditData.Id)
    occurred_at    TIMESTAMPTZ,        -- activityDateTime / AuditData.CreationTime, UTC (NULL if unreadable)
    occurred_text  VARCHAR,            -- as exported (a naive CreationTime gets its Z; PowerShell 5.1's /Date(ms)/ becomes ISO 8601 UTC)
    activity       VARCHAR,            -- activityDisplayName / AuditData.Operation as exported
    result         VARCHAR,            -- result / ResultStatus as exported
    actor_id       VARCHAR,            -- object id of the user who acted
    actor_upn      VARCHAR,
    actor_app_id   VARCHAR,            -- the application that acted, when no user did
    user_id        VARCHAR,            -- the subject: the member added/removed, or the consenting user
    target_upn     VARCHAR,
    group_id       VARCHAR,
    app_ids        VARCHAR[],          -- application / service principal ids the record names
    role_name      VARCHAR,            -- directory role of a role assignment record
    admin_consent  BOOLEAN,
    status         VARCHAR NOT NULL,   -- mapped, unmapped, failed, context
    detail         VARCHAR,            -- why unmapped or failed
    log            VARCHAR,            -- the canonical log it maps (or would map) to
    action         VARCHAR,            -- the canonical action (add/remove for role records)
    actor_role     VARCHAR,            -- for admin events: the actor's role, resolved at load
    raw            VARCHAR NOT NULL    -- the exported record as text
);

-- A change recorded in both a Graph export and an audit-log export: the records share a
-- correlation id (Graph `correlationId`, the audit log's `AuditData.InterSystemsId`) and map to
-- the same log, action, person and group, at most a minute apart. The record loaded later (in
-- one load: from the export read later) is the twin: it takes the canonical values of the record
-- it is the twin of, so the change is one row (the twin is counted as that row's duplicate), and
-- both records stay in source_events.
CREATE TABLE IF NOT EXISTS source_twins (
    sha256         VARCHAR NOT NULL,   -- the twin (source_events.sha256, pointer)
    pointer        VARCHAR NOT NULL,
    of_sha256      VARCHAR NOT NULL,   -- the record whose row it shares
    of_pointer     VARCHAR NOT NULL,
    correlation_id VARCHAR NOT NULL
);

-- The access_events ids that more than one row has: the versions of one event (the loader keeps
-- no two rows of equal content), each id once. The loader records them as it writes each file
-- (auditor/load/versions.py: the ids the file repeats, and those a row of an earlier file has).
-- A period's check takes the versions of its ids through it instead of a pass over the ids of the
-- whole history (queries/window/older.sql). A database made before the table is given it, filled
-- from the whole history once, the first time it is opened writable (auditor/db.py).
CREATE TABLE IF NOT EXISTS access_versions (
    event_id VARCHAR NOT NULL
);

-- access_held, not made here: a copy of the access_events rows whose copy was kept more than a
-- week after the event, or is not purged (views.sql held_long), with the same columns. The
-- loader adds a file's such rows as it writes it (auditor/load/versions.py). A period's check
-- reads there the older copies still held at its start (queries/window/older.sql): in a
-- compliant organisation, contacts, a small part of the history. It is made from access_events
-- once views.sql's macro exists (queries/db/all_held.sql): empty in a new database, filled from
-- the whole history in one made before it, the first time it is opened writable (auditor/db.py).

-- One row per `auditor check` run, its control results and its findings, so reports and
-- evidence packs read results instead of recomputing them.
CREATE SEQUENCE IF NOT EXISTS check_runs_seq START 1;

CREATE TABLE IF NOT EXISTS check_runs (
    run_id          INTEGER PRIMARY KEY DEFAULT nextval('check_runs_seq'),
    as_of           TIMESTAMPTZ NOT NULL,
    period_start    TIMESTAMPTZ,
    period_end      TIMESTAMPTZ,
    config_sha256   VARCHAR NOT NULL,
    control_sha256  JSON NOT NULL,     -- {control id: SHA-256 of its SQL file}
    waivers_sha256  VARCHAR,
    tool_version    VARCHAR NOT NULL,
    duckdb_version  VARCHAR NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    findings_since  TIMESTAMPTZ        -- findings arising before it are not kept, but those carried over (NULL: all kept)
);
-- A database made before findings_since gains it (NULL: its runs kept every finding).
ALTER TABLE check_runs ADD COLUMN IF NOT EXISTS findings_since TIMESTAMPTZ;

CREATE TABLE IF NOT EXISTS control_results (
    run_id    INTEGER NOT NULL,
    control   VARCHAR NOT NULL,
    severity  VARCHAR NOT NULL,
    status    VARCHAR NOT NULL,        -- pass, fail, waived, not-evaluated, error
    findings  BIGINT NOT NULL,
    waived    BIGINT NOT NULL,
    detail    VARCHAR                  -- why not evaluated, or the database's error
);

CREATE TABLE IF NOT EXISTS findings (
    run_id      INTEGER NOT NULL,
    control     VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,      -- the table of the offending row
    event_id    VARCHAR NOT NULL,      -- its event_id (request_id for dsr_requests)
    user_id     VARCHAR,
    occurred_at TIMESTAMPTZ,
    arose_at    TIMESTAMPTZ NOT NULL,  -- when the finding arose (decides its reporting month)
    reason      VARCHAR NOT NULL,
    waiver      JSON,                  -- the waiver that applies, if any
    in_period   BOOLEAN NOT NULL       -- arose in the run's period (always true without one)
);
-- A run keeps every finding that arose up to its as_of (before its period's end, when it has
-- one), so a report can show earlier months' trend from the same run; the run's own results are
-- the rows in_period.

-- The evidence a run was judged on (auditor/coverage.py `stored`): its window, the evidence
-- span, each log's rows in the window and the gaps, as JSON. A command that reuses the run (a
-- report, `subject`, an evidence pack) reads it instead of computing it again from the logs,
-- which have not changed since (check.py find_or_run). The gaps' acknowledgements come from the
-- waivers file, whose hash the run keeps. A run made before this table is assessed again.
CREATE TABLE IF NOT EXISTS run_evidence (
    run_id   INTEGER NOT NULL,
    evidence JSON NOT NULL
);

-- Every evidence pack made from this database, newest last: each pack's manifest names the
-- pack it follows (previous_manifest_sha256 here; unless given, the pack of the latest earlier
-- period), so the months form a chain; of several packs of one period, the last made is its
-- current issue. The columns are unchanged: a re-issue's superseded pack is in its manifest.
CREATE SEQUENCE IF NOT EXISTS evidence_packs_seq START 1;

CREATE TABLE IF NOT EXISTS evidence_packs (
    pack_id                  INTEGER PRIMARY KEY DEFAULT nextval('evidence_packs_seq'),
    period                   VARCHAR NOT NULL,
    run_id                   INTEGER NOT NULL,
    manifest_sha256          VARCHAR NOT NULL,
    previous_manifest_sha256 VARCHAR,
    path                     VARCHAR NOT NULL,
    created_at               TIMESTAMPTZ NOT NULL
);
