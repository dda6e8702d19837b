-- id: eu-us-transfer-tagged
-- title: Transfers between the EEA and the US rest on a valid mechanism
-- severity: high
-- articles: 44-46
-- promise: Data may flow from the European Union to the United States and back.
-- description: Every transfer between the EEA and the US is tagged with a configured transfer mechanism valid at that time (dpf only from 2023-07-10).
-- remediation: Tag the transfer with the mechanism it relies on (DPF certification, SCCs or BCRs), or stop it.
-- requires: access_events
SELECT 'access_events' AS source, event_id, user_id, occurred_at, occurred_at AS arose_at,
       describe_access(category, user_id, direction, occurred_at) || ' from ' || source_region || ' to ' || destination_region
       || CASE WHEN transfer_mechanism IS NULL THEN ' with no transfer mechanism recorded.'
               WHEN NOT list_contains($mechanisms, transfer_mechanism) THEN ' under ' || transfer_mechanism || ', which is not an accepted transfer mechanism.'
               ELSE ' under dpf, which was not valid before 2023-07-10.' END AS reason
FROM access_events
WHERE occurred_at <= $as_of
  AND eea_us_transfer(source_region, destination_region)
  AND (transfer_mechanism IS NULL OR NOT list_contains($mechanisms, transfer_mechanism)
       OR (transfer_mechanism = 'dpf' AND occurred_at < TIMESTAMPTZ '2023-07-10 00:00:00+00'))
