-- A check run finished.
UPDATE check_runs SET finished_at = ? WHERE run_id = ?
