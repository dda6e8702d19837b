-- Findings of earlier months still open at the period's end, with the month each arose in.
-- <user_id>, <user_person>: the user's id and name (or their pseudonyms); <carried_over>: the
-- carried-over findings (check.carried_over_sql); <cap>: the rows listed.
SELECT control, severity, event_id, {user_id} AS user_id, {user_person},
       user_id AS real_user, arose_at,
       strftime(timezone($tz, arose_at), '%Y-%m') AS month, reason, waiver IS NOT NULL AS waived
FROM ({carried_over}) f ORDER BY arose_at, control, event_id, source LIMIT {cap}
