SELECT 'access_events' AS source, event_id, user_id, occurred_at, occurred_at AS arose_at,
       describe_access(category, user_id, direction, occurred_at)
       || ', but ' || category || ' data is not among the data allowed to flow in that direction.' AS reason
FROM access_events
WHERE occurred_at <= $as_of AND NOT category_allowed(direction, category)
