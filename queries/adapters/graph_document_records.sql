-- The records of a JSON document: the document itself when it is one record (no prefix), else
-- the items of the array at the path, each pointed to as prefix[index from 0].
CREATE OR REPLACE TEMP TABLE _xa_records AS
SELECT i AS seq, CAST(NULL AS BIGINT) AS line,
       CASE WHEN CAST($prefix AS VARCHAR) IS NULL THEN '$' ELSE $prefix || '[' || (i - 1) || ']' END AS pointer, rec
FROM (SELECT unnest(items) AS rec, generate_subscripts(items, 1) AS i
      FROM (SELECT CASE WHEN CAST($prefix AS VARCHAR) IS NULL THEN [d] ELSE CAST(json_extract(d, $path) AS JSON[]) END
                   AS items
            FROM _xa_doc))
