-- To access_versions: the ids that more than one new row of the file (_checked) has, not yet
-- listed. Every row of an id the file repeats is in _checked (auditor/load/write.py).
INSERT INTO access_versions
SELECT event_id FROM _checked WHERE _fate = 'new' AND event_id NOT IN (SELECT event_id FROM access_versions)
GROUP BY event_id HAVING count(*) > 1
