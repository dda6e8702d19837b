-- Whether access_events has a row of a file other than $file_id (the row groups of one file are
-- skipped by the zone maps of _file_id).
SELECT EXISTS (SELECT 1 FROM access_events WHERE _file_id <> $file_id)
