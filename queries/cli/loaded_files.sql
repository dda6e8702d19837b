-- The files the database holds logs from.
SELECT count(*) FROM loaded_files
