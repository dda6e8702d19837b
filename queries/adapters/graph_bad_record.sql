-- The first record of an export that is not a JSON object.
SELECT pointer FROM _xa_records WHERE json_type(rec) <> 'OBJECT' ORDER BY seq LIMIT 1
