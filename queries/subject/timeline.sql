-- The person's consent events up to as_of.
SELECT occurred_at, action, scope, surface, notice_version FROM consent_events
WHERE user_id = $user AND occurred_at <= CAST($as_of AS TIMESTAMPTZ)
ORDER BY occurred_at, event_id, _file_id, _line
