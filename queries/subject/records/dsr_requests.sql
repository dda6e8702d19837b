-- The person's data-subject requests for the JSON export (canonical columns, see records/users.sql).
SELECT * EXCLUDE (_file_id, _line, _hash, _extra) FROM dsr_requests WHERE user_id = $user
ORDER BY received_at, request_id, _file_id, _line
