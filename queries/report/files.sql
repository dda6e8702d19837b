-- The files loaded, in load order.
SELECT log, path, format, sha256, rows_read, rows_loaded, rows_rejected, duplicates, loaded_at
FROM loaded_files ORDER BY file_id
