-- When the run $run started (its key in the lake).
SELECT started_at FROM check_runs WHERE run_id = $run
