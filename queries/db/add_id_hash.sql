-- A log table <table> made before _id_hash (queries/schema.sql): the column added and filled
-- with the hash of each row's id <key>, as the loader writes it (once; 1 CPU-s at 10M rows).
ALTER TABLE {table} ADD COLUMN _id_hash UBIGINT;
UPDATE {table} SET _id_hash = hash({key});
