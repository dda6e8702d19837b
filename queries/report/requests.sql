-- Data-subject requests received, due or open in the period: the soonest deadlines, the first
-- <cap>. <user_id>, <user_person>: the user's id and name (or their pseudonyms); <requests>:
-- every request with its deadline and status (dsr/requests).
WITH s AS (
    SELECT * REPLACE ({user_id} AS user_id), {user_person} FROM ({requests}) q
    WHERE (received_at >= $start AND received_at < $end) OR (deadline >= $start AND deadline < $end)
       OR completed_at IS NULL)
SELECT * FROM s ORDER BY deadline, received_at, request_id, user_id, type, scope, completed_at LIMIT {cap}
