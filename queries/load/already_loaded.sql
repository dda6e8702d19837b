-- A file with these bytes (SHA-256) loaded before.
SELECT 1 FROM loaded_files WHERE sha256 = ?
