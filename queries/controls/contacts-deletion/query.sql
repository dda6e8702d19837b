WITH requests AS (
    SELECT request_id, user_id, received_at, received_at + to_days($erasure_days) AS deadline
    FROM dsr_requests
    WHERE type = 'erasure' AND coalesce(scope, 'all') IN ('contacts', 'all') AND received_at <= $as_of),
judged AS (
    SELECT a.event_id, a.user_id, a.occurred_at, a.purged_at, r.request_id, r.received_at, r.deadline,
           row_number() OVER (PARTITION BY a.event_id, a._hash ORDER BY r.received_at, r.request_id) AS nth
    FROM access_events a JOIN requests r ON a.user_id = r.user_id AND a.occurred_at <= r.received_at
    WHERE a.occurred_at <= $as_of AND a.direction = 'microsoft_to_linkedin' AND a.category = 'contacts')
SELECT 'access_events' AS source, event_id, user_id, occurred_at, deadline AS arose_at,
       'Contacts of ' || user_id || ' sent to LinkedIn at ' || fmt_ts(occurred_at) || ' were '
       || CASE WHEN purged_at <= $as_of THEN 'purged only at ' || fmt_ts(purged_at) ELSE 'still held' END
       || ', after the deadline ' || fmt_ts(deadline) || ' of erasure request ' || request_id
       || ' received ' || fmt_ts(received_at) || '.' AS reason
FROM judged
WHERE nth = 1 AND deadline < $as_of AND (purged_at IS NULL OR purged_at > deadline)
