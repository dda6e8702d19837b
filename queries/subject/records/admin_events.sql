-- The admin events about the person (as the target) for the JSON export; the admin who acted is
-- another person, so actor_id is left out.
SELECT COLUMNS(lambda c: c NOT IN ('actor_id', '_file_id', '_line', '_hash', '_extra', '_id_hash')) FROM admin_events WHERE target_user_id = $user
ORDER BY occurred_at, event_id, _file_id, _line
