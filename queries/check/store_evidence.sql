-- The evidence of a run (coverage.stored), kept with it for the commands that reuse the run.
INSERT INTO run_evidence VALUES (?, ?)
