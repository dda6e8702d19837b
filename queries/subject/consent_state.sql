-- The person's consent at as_of: the last state, and when the current connected spell began.
WITH s AS (SELECT * FROM consent_states WHERE user_id = $user AND valid_from <= CAST($as_of AS TIMESTAMPTZ)),
last AS (SELECT * FROM s ORDER BY valid_from DESC LIMIT 1)
SELECT last.state, last.scope, last.valid_from, last.ever_connected,
       (SELECT min(valid_from) FROM s WHERE state = 'connected' AND valid_from >
           coalesce((SELECT max(valid_from) FROM s WHERE state = 'disconnected'), '-infinity'::TIMESTAMPTZ)) AS spell_start
FROM last
