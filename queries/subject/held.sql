-- Copies of the person's data not purged by as_of, by who holds them: LinkedIn holds what
-- Microsoft sent it.
SELECT direction, category,
       CASE direction WHEN 'microsoft_to_linkedin' THEN 'linkedin' ELSE 'microsoft' END AS holder,
       count(*) AS n, min(occurred_at) AS since, max(occurred_at) AS latest,
       count(*) FILTER (WHERE session_end IS NULL OR session_end < CAST($as_of AS TIMESTAMPTZ)) AS session_over
FROM query_table($table) WHERE occurred_at <= CAST($as_of AS TIMESTAMPTZ)
  AND (purged_at IS NULL OR purged_at > CAST($as_of AS TIMESTAMPTZ))
GROUP BY direction, category ORDER BY holder, category, direction
