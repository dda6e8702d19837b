-- The first <cap> findings of each control in the period; <user_id>, <user_person>: the user's
-- id and name (or their pseudonyms).
SELECT control, event_id, {user_id} AS user_id, {user_person},
       user_id AS real_user, occurred_at, reason, waiver IS NOT NULL AS waived
FROM (SELECT *, row_number() OVER (PARTITION BY control ORDER BY occurred_at, event_id, source) AS nth
      FROM findings WHERE run_id = $run AND in_period) f
WHERE nth <= {cap} ORDER BY control, occurred_at, event_id, source
