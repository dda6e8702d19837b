-- How many consent, access, admin and request rows are about the person, and how many of them
-- are dated after as_of (left out of the report).
SELECT count(*), count(*) FILTER (WHERE t > CAST($as_of AS TIMESTAMPTZ)) FROM (
    SELECT occurred_at AS t FROM consent_events WHERE user_id = $user
    UNION ALL SELECT occurred_at FROM query_table($table)
    UNION ALL SELECT occurred_at FROM admin_events WHERE target_user_id = $user
    UNION ALL SELECT received_at FROM dsr_requests WHERE user_id = $user)
