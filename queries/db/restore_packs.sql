-- The packs made before, copied into the temporary evidence_packs (the chain of a new pack).
INSERT INTO evidence_packs SELECT * FROM _stored_packs;
DROP TABLE _stored_packs
