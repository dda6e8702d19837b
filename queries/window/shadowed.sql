-- Whether access_events is already a temporary view (the logs of a lake, `--lake`): the window's
-- view would shadow it, and read the database's own (empty) table; the run then reads it whole.
SELECT count(*) > 0 FROM duckdb_views() WHERE temporary AND view_name = 'access_events'
