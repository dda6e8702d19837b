-- After a period run's controls: access_events is the stored table again.
DROP VIEW IF EXISTS temp.main.access_events;
DROP TABLE IF EXISTS temp.main._window_older;
DROP TABLE IF EXISTS temp.main._window
