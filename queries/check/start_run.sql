-- A check run's row, started; its run_id.
INSERT INTO check_runs (as_of, period_start, period_end, findings_since, config_sha256, control_sha256,
                        waivers_sha256, tool_version, duckdb_version, started_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id
