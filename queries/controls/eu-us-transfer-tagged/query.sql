SELECT 'access_events' AS source, event_id, user_id, occurred_at, occurred_at AS arose_at,
       describe_access(category, user_id, direction, occurred_at) || ' from ' || source_region || ' to ' || destination_region
       || CASE WHEN transfer_mechanism IS NULL THEN ' with no transfer mechanism recorded.'
               WHEN NOT list_contains($mechanisms, transfer_mechanism) THEN ' under ' || transfer_mechanism || ', which is not an accepted transfer mechanism.'
               ELSE ' under dpf, which was not valid before ' || strftime($dpf_valid_from, '%Y-%m-%d') || '.' END AS reason
FROM access_events
WHERE occurred_at <= $as_of
  AND eea_us_transfer(source_region, destination_region)
  AND (transfer_mechanism IS NULL OR NOT list_contains($mechanisms, transfer_mechanism)
       OR (transfer_mechanism = 'dpf' AND occurred_at < $dpf_valid_from))
