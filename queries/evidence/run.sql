-- What a run was made with, for the pack's run.json.
SELECT config_sha256, control_sha256, waivers_sha256, tool_version, duckdb_version FROM check_runs WHERE run_id = ?
