-- The latest finished run of the same period (or as_of), kept findings since, configuration,
-- controls and waivers, made after the last load.
SELECT run_id, as_of, findings_since FROM check_runs
WHERE period_start IS NOT DISTINCT FROM ? AND period_end IS NOT DISTINCT FROM ?
  AND (CAST(? AS TIMESTAMPTZ) IS NULL OR as_of = ?)
  AND (findings_since IS NULL OR findings_since <= ?)
  AND config_sha256 = ? AND control_sha256::VARCHAR = ?
  AND waivers_sha256 IS NOT DISTINCT FROM ? AND finished_at IS NOT NULL
  AND started_at >= (SELECT coalesce(max(loaded_at), '-infinity'::TIMESTAMPTZ) FROM loaded_files)
ORDER BY run_id DESC LIMIT 1
