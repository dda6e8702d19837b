-- Users whose profile is hidden at as_of.
SELECT count(*) AS n FROM (SELECT DISTINCT ON (user_id) * FROM visibility_states WHERE valid_from <= $as_of
                           ORDER BY user_id, valid_from DESC) WHERE visibility = 'hidden'
