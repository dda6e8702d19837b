-- The reader's malformed records of a file.
SELECT count(DISTINCT line) FROM _rejects
