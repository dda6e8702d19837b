-- Evidence per log in the window [$win_start, $win_end) ($win_end itself too when $end_inclusive):
-- whether any file of the log was ever loaded, its rows in the window, and the first and last
-- timestamp there (requests by received_at; users has no timestamps: rows loaded).
WITH present AS (SELECT DISTINCT log FROM loaded_files),
counts AS (
    SELECT 'users' AS log, 1 AS n, count(*) AS rows_in_window, NULL::TIMESTAMPTZ AS first, NULL::TIMESTAMPTZ AS last
    FROM users
    UNION ALL
    SELECT 'admin_events', 2, count(*), min(occurred_at), max(occurred_at) FROM admin_events
    WHERE occurred_at >= $win_start AND (occurred_at < $win_end OR ($end_inclusive AND occurred_at = $win_end))
    UNION ALL
    SELECT 'consent_events', 3, count(*), min(occurred_at), max(occurred_at) FROM consent_events
    WHERE occurred_at >= $win_start AND (occurred_at < $win_end OR ($end_inclusive AND occurred_at = $win_end))
    UNION ALL
    SELECT 'access_events', 4, count(*), min(occurred_at), max(occurred_at) FROM access_events
    WHERE occurred_at >= $win_start AND (occurred_at < $win_end OR ($end_inclusive AND occurred_at = $win_end))
    UNION ALL
    SELECT 'dsr_requests', 5, count(*), min(received_at), max(received_at) FROM dsr_requests
    WHERE received_at >= $win_start AND (received_at < $win_end OR ($end_inclusive AND received_at = $win_end)))
SELECT c.log, p.log IS NOT NULL AS present, c.rows_in_window, c.first, c.last
FROM counts c LEFT JOIN present p USING (log)
ORDER BY c.n
