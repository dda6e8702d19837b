-- The logs the database holds a file of.
SELECT DISTINCT log FROM loaded_files
