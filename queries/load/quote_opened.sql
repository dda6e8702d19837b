-- The first line of a quoted value never closed, when the reader says so.
SELECT min(line) FROM _rejects WHERE error_type = 'UNQUOTED VALUE' OR error_message ILIKE '%unterminated quote%'
