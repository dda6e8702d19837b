-- To access_versions: the ids of the rows of file $file_id that a row of another file has too,
-- not yet listed. The file's ids are the hash table (its rows only, by the zone maps of
-- _file_id); the other rows' ids are probed against it.
INSERT INTO access_versions
SELECT DISTINCT event_id FROM access_events
WHERE _file_id <> $file_id
  AND event_id IN (SELECT event_id FROM access_events WHERE _file_id = $file_id)
  AND event_id NOT IN (SELECT event_id FROM access_versions)
