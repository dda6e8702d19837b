SELECT 'access_events' AS source, event_id, user_id, occurred_at, occurred_at AS arose_at,
       describe_access(category, user_id, direction, occurred_at) || ' with '
       || CASE WHEN connection_degree IS NULL THEN 'no recorded connection degree, so it cannot be shown to be first-degree only.'
               ELSE 'connections of degree ' || connection_degree || ', not only first-degree ones.' END AS reason
FROM access_events
WHERE occurred_at <= $as_of AND direction = 'linkedin_to_microsoft' AND category = 'connections'
  AND connection_degree IS DISTINCT FROM 1
