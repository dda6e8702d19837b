-- A file's row in loaded_files (its counts are set once known); its file_id.
INSERT INTO loaded_files (log, path, format, size_bytes, sha256, rows_read, rows_loaded, rows_rejected, duplicates, loaded_at)
VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, ?) RETURNING file_id
