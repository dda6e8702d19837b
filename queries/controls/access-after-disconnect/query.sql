SELECT 'access_events' AS source, a.event_id, a.user_id, a.occurred_at, a.occurred_at AS arose_at,
       describe_access(a.category, a.user_id, a.direction, a.occurred_at)
       || ', after ' || a.user_id || ' disconnected at ' || fmt_ts(s.valid_from) || '.' AS reason
FROM access_events a
JOIN (SELECT * FROM consent_spells WHERE state = 'disconnected' AND ever_connected) s
  ON a.user_id = s.user_id AND in_spell(a.occurred_at, s.valid_from, s.valid_to)
WHERE a.occurred_at <= $as_of
