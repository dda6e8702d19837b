-- The reader's rejects of a file.
SELECT count(*) FROM _rejects
