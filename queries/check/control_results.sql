-- The control results of a run.
SELECT control, status, findings, waived, detail FROM control_results WHERE run_id = ? ORDER BY control
