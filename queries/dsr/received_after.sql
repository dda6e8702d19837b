-- How many request rows were received after as_of (of one user, when given): not yet known then.
SELECT count(*) FROM dsr_requests
WHERE received_at > CAST($as_of AS TIMESTAMPTZ)
  AND (CAST($user AS VARCHAR) IS NULL OR user_id = $user)
