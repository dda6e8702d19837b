-- The records of the staged file <relation> that the write-once statement left out of <table>
-- (by line: the record's number after the header's $header_lines).
CREATE TEMP TABLE _left_out AS SELECT _ord FROM {relation}
WHERE _ord + $header_lines NOT IN (SELECT _line FROM {table} WHERE _file_id = $file_id)
