-- The evidence kept with a run (none for a run made before run_evidence).
SELECT evidence FROM run_evidence WHERE run_id = ?
