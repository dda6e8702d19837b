WITH copies AS (
    SELECT *, session_end + to_seconds($grace_seconds) AS due,
           CASE WHEN purged_at <= $as_of THEN purged_at END AS purged  -- a purge after as_of has not happened yet
    FROM access_events
    WHERE occurred_at <= $as_of AND category <> 'contacts')
SELECT 'access_events' AS source, event_id, user_id, occurred_at, coalesce(due, occurred_at) AS arose_at,
       describe_access(category, user_id, direction, occurred_at)
       || CASE WHEN session_end IS NULL THEN '; its session has no recorded end, so its deletion at session end cannot be shown.'
               WHEN purged IS NOT NULL THEN '; the copy was purged ' || fmt_duration(epoch(purged) - epoch(due)) || ' after its session ended at ' || fmt_ts(session_end) || '.'
               ELSE '; the copy was still held ' || fmt_duration(epoch($as_of) - epoch(due)) || ' after its session ended at ' || fmt_ts(session_end) || '.' END AS reason
FROM copies
WHERE session_end IS NULL OR (purged IS NOT NULL AND purged > due) OR (purged IS NULL AND due < $as_of)
