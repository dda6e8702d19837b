-- A read-only database: the packs made before, kept aside while temporary run tables shadow the
-- stored ones; the first pack id the temporary sequence gives follows theirs.
CREATE TEMP TABLE _stored_packs AS SELECT * FROM evidence_packs;
SELECT coalesce(max(pack_id), 0) + 1 FROM _stored_packs
