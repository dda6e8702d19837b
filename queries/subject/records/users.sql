-- The person's rows of each log for the JSON export: canonical columns only (extra source columns,
-- _extra, are not exported: nothing says whose data they hold). Order: time, then id, then where
-- the row was loaded from.
SELECT COLUMNS(lambda c: c NOT IN ('_file_id', '_line', '_hash', '_extra', '_id_hash')) FROM users WHERE user_id = $user ORDER BY _file_id, _line
