-- To access_versions: the ids of the file just written that more than one row of access_events
-- has, not yet listed. The file's rows are in the table by now, so one grouping finds an id the
-- file repeats and an id it shares with a row loaded before, in this load or an earlier one.
-- Such an id's hash is in _shared_ids (queries/load/shared_ids.sql); the rows whose _id_hash is
-- (8 bytes a row to read) are a few, fetched by row id and grouped by the id itself.
INSERT INTO access_versions
SELECT event_id FROM access_events
WHERE rowid IN (SELECT rowid FROM access_events WHERE _id_hash IN (SELECT h FROM _shared_ids))
  AND event_id NOT IN (SELECT event_id FROM access_versions)
GROUP BY event_id HAVING count(*) > 1
