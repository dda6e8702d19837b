-- The access events outside the window that a period run still needs, for every kept finding to
-- be exactly what the whole history gives:
-- - older rows whose copy was still held at the window's start, or at as_of if earlier (purged_at
--   empty or later): a session-retention finding arises at session end + grace, a contacts-deletion
--   finding at the erasure deadline, and either is carried over while the copy is held. Contacts
--   are kept until their owner asks for erasure, so an older contacts copy is taken only for a
--   user with an erasure request;
-- - every other version of those rows' ids and of the window's ids, whenever dated: a finding is
--   the one of its id's earliest version, and log-integrity compares the versions.
-- A copy dated more than a week before $held ($recent = $held - check.py HELD_FOR) and held
-- past $held was held more than a week: it is in access_held, the loader's copy of those rows
-- (views.sql held_long; a temporary view of them in a database made before the table, opened
-- read-only: auditor/db.py). Only the week before $held is read from the table itself, so the
-- history's row groups are not read. The two sets of rows do not meet.
-- Versions are found through access_versions, the ids that the loader saw on more than one row
-- (unqualified: a database made before it reads a temporary one made from its rows, auditor/db.py):
-- their rows are a few, and those of an id with a row in the window or held are kept. The
-- history's ids are matched against that small table (a few ids: a filter DuckDB applies to the
-- compressed column, 0.01 CPU-s at 10M rows); the rows found are fetched by row id. A version
-- that is also a held copy is one row: UNION drops the second (no two stored rows are equal in
-- every column: _file_id and _line differ). The bounds are bound parameters ($since, $until,
-- $held as in bounds.sql), so DuckDB filters the scans by them (a third less CPU than reading
-- them from _window). `stored` is the database's own catalog (see view.sql).
CREATE OR REPLACE TEMP TABLE _window_older AS
WITH held AS (
    SELECT * FROM (
        SELECT * FROM stored.main.access_events WHERE occurred_at >= $recent AND occurred_at < $since
        UNION ALL
        SELECT * FROM access_held WHERE occurred_at < $recent)
    WHERE (purged_at IS NULL OR purged_at > $held)
      AND (category <> 'contacts' OR user_id IN (SELECT user_id FROM dsr_requests WHERE type = 'erasure'))),
versions AS (
    SELECT rowid AS r, event_id,
           occurred_at >= $since AND occurred_at <= $until AS inside
    FROM stored.main.access_events
    WHERE event_id IN (SELECT event_id FROM access_versions)),
wanted AS (
    SELECT event_id FROM versions WHERE inside
    UNION SELECT event_id FROM held WHERE event_id IN (SELECT event_id FROM versions))
SELECT * FROM held
UNION
SELECT * FROM stored.main.access_events
WHERE rowid IN (SELECT r FROM versions WHERE NOT inside AND event_id IN (SELECT event_id FROM wanted))
