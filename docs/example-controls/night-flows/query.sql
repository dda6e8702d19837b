SELECT 'access_events' AS source, event_id, user_id, occurred_at, occurred_at AS arose_at,
       describe_access(category, user_id, direction, occurred_at) || ', at night.' AS reason
FROM access_events
WHERE occurred_at <= $as_of AND direction = 'microsoft_to_linkedin'
  AND (hour(occurred_at) >= 22 OR hour(occurred_at) < $night_ends)
