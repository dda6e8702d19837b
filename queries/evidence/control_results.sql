-- A run's result per control, for the pack's run.json.
SELECT control, severity, status, findings, waived, detail FROM control_results WHERE run_id = ? ORDER BY control
