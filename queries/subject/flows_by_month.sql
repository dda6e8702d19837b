-- The person's flows up to as_of by month (UTC) and direction, for the chart.
SELECT strftime(occurred_at, '%Y-%m') AS month,
       count(*) FILTER (WHERE direction = 'linkedin_to_microsoft') AS l2m,
       count(*) FILTER (WHERE direction = 'microsoft_to_linkedin') AS m2l, count(*) AS n
FROM query_table($table) WHERE occurred_at <= CAST($as_of AS TIMESTAMPTZ)
GROUP BY month ORDER BY month
