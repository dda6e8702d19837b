-- access_events as a period run's controls see it: the window's rows, read straight from the
-- stored table (the bounds come from _window, so DuckDB skips the row groups outside them by
-- their min/max of occurred_at), and the older rows it needs. A temporary view shadows the
-- table of the same name for the run's controls only; `stored` is the database's own catalog,
-- whose name check.py puts in (the temporary catalog has a schema main too).
CREATE OR REPLACE TEMP VIEW access_events AS
SELECT * FROM stored.main.access_events
WHERE occurred_at >= (SELECT since FROM _window) AND occurred_at <= (SELECT until FROM _window)
UNION ALL
SELECT * FROM _window_older
