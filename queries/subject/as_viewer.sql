-- The person as a viewer of colleagues' data: those rows are about the colleagues, so only counts.
SELECT count(*) AS n, count(DISTINCT user_id) AS people FROM access_events
WHERE viewer_id = $user AND user_id <> $user AND occurred_at <= CAST($as_of AS TIMESTAMPTZ)
