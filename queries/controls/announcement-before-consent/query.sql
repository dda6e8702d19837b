SELECT 'consent_events' AS source, c.event_id, c.user_id, c.occurred_at, c.occurred_at AS arose_at,
       c.user_id || ' connected their accounts at ' || fmt_ts(c.occurred_at)
       || ' before the organisation had announced the integration to its users.' AS reason
FROM consent_events c
WHERE c.action = 'connect' AND c.occurred_at <= $as_of
  AND NOT EXISTS (SELECT 1 FROM admin_events e WHERE e.action = 'announce' AND e.occurred_at <= c.occurred_at)
