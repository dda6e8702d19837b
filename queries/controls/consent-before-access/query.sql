WITH first_connect AS (
    SELECT user_id, min(occurred_at) AS first FROM consent_events WHERE action = 'connect' GROUP BY user_id)
SELECT 'access_events' AS source, a.event_id, a.user_id, a.occurred_at, a.occurred_at AS arose_at,
       describe_access(a.category, a.user_id, a.direction, a.occurred_at)
       || ', but ' || a.user_id || ' had never connected their work and LinkedIn accounts.' AS reason
FROM access_events a LEFT JOIN first_connect f ON a.user_id = f.user_id
WHERE a.occurred_at <= $as_of AND (f.first IS NULL OR a.occurred_at < f.first)
