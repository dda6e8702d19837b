-- The physical lines of a JSON Lines file the reader returned or rejected.
SELECT (SELECT count(*) FROM _read) + (SELECT count(DISTINCT line) FROM _rejects)
