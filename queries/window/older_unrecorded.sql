-- queries/window/older.sql in a database made before access_versions and opened read-only (the
-- table cannot be made there): the other versions are found by a pass over the ids of the whole
-- history. The access events outside the window that a period run still needs, for every kept
-- finding to be exactly what the whole history gives:
-- - older rows whose copy was still held at the window's start, or at as_of if earlier (purged_at
--   empty or later): a session-retention finding arises at session end + grace, a contacts-deletion
--   finding at the erasure deadline, and either is carried over while the copy is held. Contacts
--   are kept until their owner asks for erasure, so an older contacts copy is taken only for a
--   user with an erasure request;
-- - every other version of those rows' ids and of the window's ids, whenever dated: a finding is
--   the one of its id's earliest version, and log-integrity compares the versions.
-- Ids are matched by their hash: a row of another id with the same hash comes with all its own
-- versions, so whatever it adds is exact too. This pass over the ids of the whole history is what
-- a period run still pays for the history (the rest it skips by the zone maps of occurred_at).
-- `stored` is the database's own catalog (see view.sql).
-- Only the ids and times of the history are read; the few rows found are fetched by row id.
CREATE OR REPLACE TEMP TABLE _window_older AS
WITH held AS (
    SELECT hash(event_id) AS h FROM stored.main.access_events
    WHERE occurred_at < (SELECT since FROM _window)
      AND (purged_at IS NULL OR purged_at > (SELECT held FROM _window))
      AND (category <> 'contacts' OR user_id IN (SELECT user_id FROM dsr_requests WHERE type = 'erasure'))),
ids AS (
    SELECT hash(event_id) AS h FROM stored.main.access_events
    WHERE occurred_at >= (SELECT since FROM _window) AND occurred_at <= (SELECT until FROM _window)
    UNION ALL
    SELECT h FROM held),
older AS (
    SELECT rowid AS r FROM stored.main.access_events
    WHERE NOT (occurred_at >= (SELECT since FROM _window) AND occurred_at <= (SELECT until FROM _window))
      AND hash(event_id) IN (SELECT h FROM ids))
SELECT * FROM stored.main.access_events WHERE rowid IN (SELECT r FROM older)
