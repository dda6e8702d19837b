-- The person's flows up to as_of by direction and category.
SELECT direction, category, count(*) AS n, min(occurred_at) AS first, max(occurred_at) AS last
FROM query_table($table) WHERE occurred_at <= CAST($as_of AS TIMESTAMPTZ)
GROUP BY direction, category ORDER BY direction, category
