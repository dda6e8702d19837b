-- The new rows of _checked to the log's table <table> (<columns>: its canonical columns; <key>:
-- its id column).
INSERT INTO {table} ({columns}, _file_id, _line, _hash, _extra, _id_hash)
SELECT {columns}, $file_id, _line, _hash, _extra, hash({key}) FROM _checked WHERE _fate = 'new'
