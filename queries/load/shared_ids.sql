-- The ids of a file, hashed, that more than one of its rows has, or that a loaded row of <table>
-- has too: every id whose rows may be duplicates or versions. <id>: the id over <relation>, the
-- staged file when it is written once (the id's trimmed text), else its new rows in _checked.
-- The file's hashes are the hash table and the loaded rows' _id_hash (8 bytes a row, not their
-- text ids) probe it. The file's ids are read twice rather than kept (MATERIALIZED): into an
-- empty table DuckDB skips the second read, and at 10M rows keeping them cost 0.7 CPU-s more.
CREATE TEMP TABLE _shared_ids AS
SELECT hash({id}) AS h FROM {relation} GROUP BY h HAVING count(*) > 1
UNION
SELECT _id_hash FROM {table} WHERE _id_hash IN (SELECT hash({id}) FROM {relation})
