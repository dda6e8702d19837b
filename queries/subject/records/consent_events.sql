-- The person's consent events for the JSON export (canonical columns, see records/users.sql).
SELECT COLUMNS(lambda c: c NOT IN ('_file_id', '_line', '_hash', '_extra', '_id_hash')) FROM consent_events WHERE user_id = $user
ORDER BY occurred_at, event_id, _file_id, _line
