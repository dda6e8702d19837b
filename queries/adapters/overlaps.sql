-- Mapped records of the given exports that look like a change a record of the other format also
-- records, with no correlation id to say so (records.overlaps).
WITH linked AS (SELECT sha256, pointer FROM source_twins UNION SELECT of_sha256, of_pointer FROM source_twins),
m AS (
    SELECT sha256, format, pointer, log, action, user_id, coalesce(actor_id, actor_upn, actor_app_id) AS actor,
           group_id, occurred_at
    FROM source_events WHERE status = 'mapped' AND (sha256, pointer) NOT IN (SELECT (sha256, pointer) FROM linked))
SELECT count(DISTINCT (a.sha256, a.pointer)) FROM m a JOIN m b
  ON a.format <> b.format AND a.log = b.log AND a.action = b.action AND a.user_id IS NOT DISTINCT FROM b.user_id
 AND a.actor IS NOT DISTINCT FROM b.actor AND a.group_id IS NOT DISTINCT FROM b.group_id
 AND abs(epoch(a.occurred_at) - epoch(b.occurred_at)) < 1
WHERE a.sha256 IN (SELECT unnest(?::VARCHAR[]))
