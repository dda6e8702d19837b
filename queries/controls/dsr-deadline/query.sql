WITH requests AS (
    SELECT *, dsr_deadline(received_at, extended) AS deadline,
           CASE WHEN completed_at <= $as_of THEN completed_at END AS completed  -- completion after as_of has not happened yet
    FROM dsr_requests WHERE received_at <= $as_of)
SELECT 'dsr_requests' AS source, request_id AS event_id, user_id, received_at AS occurred_at, deadline AS arose_at,
       'The ' || type || ' request ' || request_id || ' of ' || user_id || ' received ' || fmt_ts(received_at)
       || CASE WHEN completed IS NOT NULL THEN ' was completed ' || fmt_ts(completed) || ', '
                    || fmt_duration(epoch(completed) - epoch(deadline)) || ' after its deadline ' || fmt_ts(deadline) || '.'
               ELSE ' is still open ' || fmt_duration(epoch($as_of) - epoch(deadline)) || ' after its deadline ' || fmt_ts(deadline) || '.' END AS reason
FROM requests
WHERE (completed IS NOT NULL AND completed > deadline) OR (completed IS NULL AND deadline < $as_of)
