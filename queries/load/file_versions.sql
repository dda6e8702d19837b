-- To access_versions: the ids that more than one new row of the file (_checked) has, not yet
-- listed. Every row of an id the file repeats is in _checked (auditor/load/write.py). The
-- candidates are the ids whose 64-bit hash another row's id shares (a group of 8-byte keys: a
-- CSV file's _checked holds all of its rows, and grouping 10M ids as text took 0.6 GB more);
-- grouping their rows by the id decides.
INSERT INTO access_versions
SELECT event_id FROM _checked
WHERE _fate = 'new' AND event_id NOT IN (SELECT event_id FROM access_versions)
  AND hash(event_id) IN (SELECT hash(event_id) FROM _checked WHERE _fate = 'new' GROUP BY ALL HAVING count(*) > 1)
GROUP BY event_id HAVING count(*) > 1
