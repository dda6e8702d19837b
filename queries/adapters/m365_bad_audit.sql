-- The first record whose AuditData (<audit>: its column) is not a JSON object.
SELECT _line, {audit} FROM _xa_rows
WHERE NOT coalesce(json_valid({audit}) AND json_type(TRY_CAST({audit} AS JSON)) = 'OBJECT', false)
ORDER BY _ord LIMIT 1
