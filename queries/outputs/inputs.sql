-- Every file loaded: log, path, SHA-256 and rows loaded.
SELECT log, path, sha256, rows_loaded FROM loaded_files ORDER BY file_id
