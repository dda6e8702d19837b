-- The person's data-subject requests for the JSON export (canonical columns, see records/users.sql).
SELECT COLUMNS(lambda c: c NOT IN ('_file_id', '_line', '_hash', '_extra', '_id_hash')) FROM dsr_requests WHERE user_id = $user
ORDER BY received_at, request_id, _file_id, _line
