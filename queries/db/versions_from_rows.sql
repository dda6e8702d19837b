-- The access event ids that more than one row has, from the rows themselves: access_versions
-- where no loader kept it (a lake, on DuckDB or Spark; a database made before the table and
-- opened read-only), and once to fill it (a database made before it, opened writable). The
-- candidates are the ids whose 64-bit hash another row's id shares (a group of 8-byte keys);
-- grouping their rows by the id decides.
SELECT event_id FROM access_events
WHERE hash(event_id) IN (SELECT hash(event_id) FROM access_events GROUP BY hash(event_id) HAVING count(*) > 1)
GROUP BY event_id HAVING count(*) > 1
