-- One row per request row (two versions of one request_id are both shown: each is evidence).
-- days_left: calendar days (UTC) from as_of to the deadline, negative once overdue, for open requests.
-- The one definition of a request's status: `auditor dsr` and the monthly report both select from it.
WITH r AS (
    SELECT request_id, user_id, type, scope, received_at, extended,
           dsr_deadline(received_at, extended) AS deadline,
           CASE WHEN completed_at <= CAST($as_of AS TIMESTAMPTZ) THEN completed_at END AS completed_at,
           _file_id, _line
    FROM dsr_requests
    WHERE received_at <= CAST($as_of AS TIMESTAMPTZ)
      AND (CAST($user AS VARCHAR) IS NULL OR user_id = $user))
SELECT request_id, user_id, type, scope, received_at, extended, deadline, completed_at,
       CASE WHEN completed_at IS NOT NULL AND completed_at <= deadline THEN 'done_in_time'
            WHEN completed_at IS NOT NULL THEN 'done_late'
            WHEN deadline >= CAST($as_of AS TIMESTAMPTZ) THEN 'open'
            ELSE 'overdue' END AS status,
       CASE WHEN completed_at IS NULL
            THEN date_diff('day', CAST(CAST($as_of AS TIMESTAMPTZ) AS DATE), CAST(deadline AS DATE)) END AS days_left
FROM r
