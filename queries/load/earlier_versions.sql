-- To access_versions: the ids of the file's new rows (in _checked) that a row of another file
-- has too, not yet listed. _checked is the hash table: a written-once file leaves there every
-- row whose id is loaded already (queries/load/write_once.sql), a few. The loaded rows are
-- first matched by their _id_hash (8 bytes a row), then those few, fetched by row id, by the id.
INSERT INTO access_versions
SELECT DISTINCT event_id FROM access_events
WHERE rowid IN (SELECT rowid FROM access_events WHERE _file_id <> $file_id
                AND _id_hash IN (SELECT hash(event_id) FROM _checked WHERE _fate = 'new'))
  AND event_id IN (SELECT event_id FROM _checked WHERE _fate = 'new')
  AND event_id NOT IN (SELECT event_id FROM access_versions)
