-- A table's columns and their types, in order, but _id_hash: the loader's hash of a log row's id,
-- for matching ids as it loads (auditor/schema.py), not a column of the lake's contract.
SELECT column_name, data_type FROM information_schema.columns
WHERE table_name = ? AND table_schema = 'main' AND column_name <> '_id_hash'
ORDER BY ordinal_position
