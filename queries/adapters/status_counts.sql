-- How many records of one export are mapped, unmapped, failed or context.
SELECT status, count(*) FROM source_events WHERE sha256 = ? GROUP BY status
