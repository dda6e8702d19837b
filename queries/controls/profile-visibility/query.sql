SELECT 'access_events' AS source, a.event_id, a.user_id, a.occurred_at, a.occurred_at AS arose_at,
       'The LinkedIn profile of ' || a.user_id || ' was shown to another person at ' || fmt_ts(a.occurred_at)
       || ', although ' || a.user_id || ' had hidden it from Microsoft apps at ' || fmt_ts(v.valid_from) || '.' AS reason
FROM access_events a
JOIN (SELECT * FROM visibility_spells WHERE visibility = 'hidden') v
  ON a.user_id = v.user_id AND in_spell(a.occurred_at, v.valid_from, v.valid_to)
WHERE a.occurred_at <= $as_of AND a.direction = 'linkedin_to_microsoft' AND a.category = 'profile'
  AND a.viewer_id IS NOT NULL AND a.viewer_id <> a.user_id
