-- A pack made from this database, newest last (the chain of the months).
INSERT INTO evidence_packs (period, run_id, manifest_sha256, previous_manifest_sha256, path, created_at)
VALUES (?, ?, ?, ?, ?, ?)
