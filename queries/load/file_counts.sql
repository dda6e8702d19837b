-- A file's counts, once known: rows read = loaded + rejected + duplicates.
UPDATE loaded_files SET rows_read = ?, rows_loaded = ?, rows_rejected = ?, duplicates = ? WHERE file_id = ?
