-- A JSON document export (not JSON Lines): its lines joined into one text; whether it is JSON.
CREATE OR REPLACE TEMP TABLE _xa_doc AS SELECT string_agg(j, chr(10) ORDER BY n) AS d FROM _xa_lines;
DROP TABLE _xa_lines;
SELECT json_valid(d) FROM _xa_doc
