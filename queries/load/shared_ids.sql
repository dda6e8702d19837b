-- The ids (<id>: the trimmed id column over <relation>, the staged file), hashed, that more than
-- one row of the file has, or that a loaded row of <table> has too: the file's hashes are the
-- hash table and the loaded rows' _id_hash (8 bytes a row, not their text ids) probe it.
CREATE TEMP TABLE _shared_ids AS
WITH ids AS MATERIALIZED (SELECT hash({id}) AS h FROM {relation})
SELECT h FROM ids GROUP BY h HAVING count(*) > 1
UNION
SELECT _id_hash FROM {table} WHERE _id_hash IN (SELECT h FROM ids)
