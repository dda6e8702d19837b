-- EU-US transfers of the period per route and mechanism; violations: the run's own findings of
-- $control (eu-us-transfer-tagged) on these rows.
SELECT CASE WHEN destination_region = 'US' THEN 'EEA to US' ELSE 'US to EEA' END AS route,
       coalesce(transfer_mechanism, '(none)') AS mechanism, count(*) AS n, count(v.event_id) AS violations
FROM access_events
LEFT JOIN (SELECT DISTINCT event_id FROM findings WHERE run_id = $run AND control = $control AND source = 'access_events') v
  USING (event_id)
WHERE occurred_at >= $start AND occurred_at < $end AND eea_us_transfer(source_region, destination_region)
GROUP BY ALL ORDER BY route, n DESC, mechanism
