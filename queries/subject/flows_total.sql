-- The person's access events up to as_of (read from their copy, subject.access_table).
SELECT count(*) AS n, min(occurred_at) AS first, max(occurred_at) AS last
FROM query_table($table) WHERE occurred_at <= CAST($as_of AS TIMESTAMPTZ)
