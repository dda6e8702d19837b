-- The new rows of _checked to the log's table <table> (<columns>: its canonical columns).
INSERT INTO {table} ({columns}, _file_id, _line, _hash, _extra)
SELECT {columns}, $file_id, _line, _hash, _extra FROM _checked WHERE _fate = 'new'
