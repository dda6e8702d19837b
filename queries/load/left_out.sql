-- The records of the staged file <relation> that the write-once statement left out of <table>
-- (by line: the record's number after the header's $header_lines), each by its key <row> in the
-- relation (load/left_out_rows.sql reads them again by it).
CREATE TEMP TABLE _left_out AS SELECT {row} AS _key FROM {relation}
WHERE _ord + $header_lines NOT IN (SELECT _line FROM {table} WHERE _file_id = $file_id)
