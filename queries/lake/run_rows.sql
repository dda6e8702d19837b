-- One run's rows of a run table (check_runs, control_results, findings), its columns as the lake
-- stores them (<columns>).
SELECT {columns} FROM {table} WHERE run_id = $run ORDER BY ALL
