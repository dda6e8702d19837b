SELECT 'access_events' AS source, event_id, user_id, occurred_at, occurred_at AS arose_at,
       describe_access(category, user_id, direction, occurred_at) || ' carrying '
       || array_to_string(list_filter(fields, lambda f: NOT list_contains($calendar_fields, f)), ', ')
       || ', beyond the allowed calendar fields.' AS reason
FROM access_events
WHERE occurred_at <= $as_of AND direction = 'microsoft_to_linkedin' AND category = 'calendar'
  AND len(list_filter(fields, lambda f: NOT list_contains($calendar_fields, f))) > 0
