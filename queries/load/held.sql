-- To access_held: the rows of the file just written whose copy was kept more than a week after
-- the event, or is not purged (views.sql held_long). A period's check reads the older ones there,
-- not in the history (queries/window/older.sql). The file's rows are the table's last ones:
-- DuckDB skips the row groups before them by their min/max of _file_id.
INSERT INTO access_held
SELECT * FROM access_events WHERE _file_id = $file_id AND held_long(occurred_at, purged_at)
