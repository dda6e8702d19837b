-- Every pack made from this database.
SELECT period, manifest_sha256, previous_manifest_sha256, path, pack_id FROM evidence_packs
