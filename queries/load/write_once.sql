-- A file written once: its rows checked (<check>) straight into the log's table <table>, those
-- surely new only: valid, with an id (<key>) no other row of the file has, and a content hash no
-- loaded row has.
INSERT INTO {table} ({columns}, _file_id, _line, _hash, _extra)
SELECT {columns}, $file_id, _line, _hash, _extra FROM ({check})
WHERE _fate = 'new' AND hash({key}) NOT IN (SELECT h FROM _shared_ids)
  AND _hash NOT IN (SELECT _hash FROM {table})
