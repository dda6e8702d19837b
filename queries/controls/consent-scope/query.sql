SELECT 'access_events' AS source, a.event_id, a.user_id, a.occurred_at, a.occurred_at AS arose_at,
       describe_access(a.category, a.user_id, a.direction, a.occurred_at)
       || ', but ' || a.user_id || ' had allowed only LinkedIn data to be used (scope linkedin_only since '
       || fmt_ts(s.valid_from) || ').' AS reason
FROM access_events a
JOIN (SELECT * FROM consent_spells WHERE state = 'connected' AND scope = 'linkedin_only') s
  ON a.user_id = s.user_id AND in_spell(a.occurred_at, s.valid_from, s.valid_to)
WHERE a.occurred_at <= $as_of AND a.direction = 'microsoft_to_linkedin'
