-- access_held as a temporary view of the rows, where no loader kept it: a database made before
-- the table, opened read-only. A period's check reads it (queries/window/older.sql) before its
-- own temporary view shadows access_events, but `stored` (the database's catalog) names the
-- table in any case.
CREATE OR REPLACE TEMP VIEW access_held AS
SELECT * FROM stored.main.access_events WHERE held_long(occurred_at, purged_at)
