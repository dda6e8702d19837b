-- Access events of the period per app.
SELECT coalesce(app, '(not recorded)') AS app, count(*) AS n FROM access_events
WHERE occurred_at >= $start AND occurred_at < $end GROUP BY ALL ORDER BY n DESC, app
