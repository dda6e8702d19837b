-- Each user's consent state at as_of, counted.
SELECT count(*) FILTER (WHERE s.state = 'connected') AS connected,
       count(*) FILTER (WHERE s.state = 'connected' AND s.scope = 'bidirectional') AS bidirectional,
       count(*) FILTER (WHERE s.state = 'connected' AND s.scope = 'linkedin_only') AS linkedin_only,
       count(*) FILTER (WHERE s.state = 'disconnected' AND s.ever_connected) AS disconnected
FROM (SELECT DISTINCT ON (user_id) * FROM consent_states WHERE valid_from <= $as_of
      ORDER BY user_id, valid_from DESC) s
