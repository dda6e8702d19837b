-- The person's access events with where each was loaded from, copied once into a temporary
-- table (subject.access_table) that the report's and the export's counts read instead of the log.
SELECT COLUMNS(lambda c: c NOT IN ('_hash', '_extra', '_id_hash')) FROM access_events WHERE user_id = $user
