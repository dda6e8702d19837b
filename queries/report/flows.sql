-- Access events of the period per direction and category; violations: the run's own findings of
-- $control (allowed-categories) on these rows, so the chart shows what the control judged.
SELECT direction, category, count(*) AS n, count(DISTINCT user_id) AS users, count(v.event_id) AS violations
FROM access_events
LEFT JOIN (SELECT DISTINCT event_id FROM findings WHERE run_id = $run AND control = $control AND source = 'access_events') v
  USING (event_id)
WHERE occurred_at >= $start AND occurred_at < $end GROUP BY ALL ORDER BY ALL
