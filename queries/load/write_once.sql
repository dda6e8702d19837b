-- A file written once: its rows checked (<check>) straight into the log's table <table>, those
-- surely new only: valid, with an id (<key>) that no other row of the file has and no loaded row
-- has (_shared_ids holds both, hashed). An exact duplicate of a loaded row has that row's id, so
-- it is left out too, as is another version of a loaded id: the rows left out are checked again
-- by themselves, where mark_duplicates tells the two apart by comparing every column.
INSERT INTO {table} ({columns}, _file_id, _line, _hash, _extra, _id_hash)
SELECT {columns}, $file_id, _line, _hash, _extra, hash({key}) FROM ({check})
WHERE _fate = 'new' AND hash({key}) NOT IN (SELECT h FROM _shared_ids)
