-- A JSON Lines file's lines numbered before blank ones are dropped, then parsed: `o` is the line's
-- object, NULL when the line is not a JSON object (rejected as bad_json). A line's number is its
-- row id from the first: DuckDB keeps a file's order in the table it fills
-- (preserve_insertion_order), with consecutive row ids from a base that is not 0 inside a
-- transaction, while row_number() OVER () would read the whole file on one thread.
CREATE TEMP TABLE _stage AS SELECT _ord, j, CASE WHEN json_type(jv) = 'OBJECT' THEN jv END AS o FROM (
  SELECT _ord, j, CAST(CASE WHEN json_valid(j) THEN j END AS JSON) AS jv FROM (
    SELECT rowid + 1 - (SELECT min(rowid) FROM _read) AS _ord, j FROM _read)
  WHERE trim(j, ' ' || chr(9) || chr(10) || chr(13)) <> '')
