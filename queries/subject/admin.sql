-- The admin events about the person (group membership) up to as_of.
SELECT occurred_at, action, group_id FROM admin_events
WHERE target_user_id = $user AND occurred_at <= CAST($as_of AS TIMESTAMPTZ)
ORDER BY occurred_at, event_id, _file_id, _line
