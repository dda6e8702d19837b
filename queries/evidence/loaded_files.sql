-- Every file loaded, oldest first, for the pack's inputs.json.
SELECT file_id, log, path, format, size_bytes, sha256, rows_read, rows_loaded, rows_rejected, duplicates
FROM loaded_files
ORDER BY file_id
