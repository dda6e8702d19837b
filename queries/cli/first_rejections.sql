-- The first rows rejected from the latest load of each file, for the load's summary.
SELECT file, line, column_name, rule, message FROM rejected_rows
WHERE file_id IN (SELECT max(file_id) FROM loaded_files GROUP BY path, log)
ORDER BY file_id, line
LIMIT 10
