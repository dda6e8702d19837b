-- access_versions from the whole history: a database made before the table (auditor/db.py), once.
-- The candidates are the ids whose 64-bit hash another row's id shares (a group of 8-byte keys,
-- as in log-integrity); grouping their rows by the id decides.
INSERT INTO access_versions
SELECT event_id FROM access_events
WHERE hash(event_id) IN (SELECT hash(event_id) FROM access_events GROUP BY hash(event_id) HAVING count(*) > 1)
GROUP BY event_id HAVING count(*) > 1
