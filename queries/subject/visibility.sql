-- The person's profile visibility at as_of (no row: the default).
SELECT visibility, valid_from FROM visibility_states
WHERE user_id = $user AND valid_from <= CAST($as_of AS TIMESTAMPTZ)
ORDER BY valid_from DESC
LIMIT 1
