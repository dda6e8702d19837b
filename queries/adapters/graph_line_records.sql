-- The records of a JSON Lines export: a line is a record, or a response page holding its records
-- in `value` (any case).
CREATE OR REPLACE TEMP TABLE _xa_records AS
WITH l AS (SELECT n, CAST(j AS JSON) AS o FROM _xa_lines WHERE xa_nonblank(j)),
k AS (SELECT n, o, list_filter(json_keys(o), lambda x: lower(x) = 'value')[1] AS vk,
             len(list_filter(json_keys(o), lambda x: lower(x) = 'activitydisplayname')) > 0 AS is_record FROM l),
p AS (SELECT n, o, CASE WHEN vk IS NOT NULL AND NOT is_record AND json_type(o, '$."' || vk || '"') = 'ARRAY'
                        THEN CAST(json_extract(o, '$."' || vk || '"') AS JSON[]) END AS items FROM k),
r AS (
  SELECT n AS line, 0 AS i, 'line ' || n AS pointer, o AS rec FROM p WHERE items IS NULL
  UNION ALL
  SELECT n, i, 'line ' || n || ' $.value[' || (i - 1) || ']', rec
  FROM (SELECT n, unnest(items) AS rec, generate_subscripts(items, 1) AS i FROM p WHERE items IS NOT NULL))
SELECT row_number() OVER (ORDER BY line, i) AS seq, line, pointer, rec FROM r
