-- The keys of a JSON Lines file's objects.
SELECT DISTINCT unnest(json_keys(o)) FROM _stage WHERE o IS NOT NULL
