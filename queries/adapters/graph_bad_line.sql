-- The first line of a JSON Lines export that is not blank and not a JSON object.
SELECT n, j FROM _xa_lines
WHERE xa_nonblank(j) AND NOT (json_valid(j) AND json_type(TRY_CAST(j AS JSON)) = 'OBJECT')
ORDER BY n
LIMIT 1
