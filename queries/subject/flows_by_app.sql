-- The person's flows up to as_of by app.
SELECT app, count(*) AS n
FROM query_table($table) WHERE occurred_at <= CAST($as_of AS TIMESTAMPTZ)
GROUP BY app ORDER BY n DESC, app NULLS LAST
