-- id: access-after-disconnect
-- title: No data flows after a user has disconnected
-- severity: high
-- articles: 7(3)
-- promise: Users can disconnect their accounts at any time, which removes the data access permissions.
-- description: No access event of a user happens while that user is disconnected (from the instant of a disconnect until the next connect).
-- remediation: Make the disconnect revoke the integration's tokens at once and stop every job that still reads this user's data.
-- requires: consent_events, access_events
SELECT 'access_events' AS source, a.event_id, a.user_id, a.occurred_at, a.occurred_at AS arose_at,
       describe_access(a.category, a.user_id, a.direction, a.occurred_at)
       || ', after ' || a.user_id || ' disconnected at ' || fmt_ts(s.valid_from) || '.' AS reason
FROM access_events a
JOIN (SELECT * FROM consent_spells WHERE state = 'disconnected' AND ever_connected) s
  ON a.user_id = s.user_id AND in_spell(a.occurred_at, s.valid_from, s.valid_to)
WHERE a.occurred_at <= $as_of
