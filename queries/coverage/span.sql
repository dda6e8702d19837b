-- The evidence span: the earliest and latest timestamp in the loaded logs up to $as_of
-- (occurred_at of admin, consent and access events; received_at and completed_at of requests).
-- Outside it nothing is known.
SELECT min(lo) AS start, max(hi) AS "end" FROM (
    SELECT min(occurred_at) AS lo, max(occurred_at) AS hi FROM access_events WHERE occurred_at <= $as_of
    UNION ALL SELECT min(occurred_at), max(occurred_at) FROM consent_events WHERE occurred_at <= $as_of
    UNION ALL SELECT min(occurred_at), max(occurred_at) FROM admin_events WHERE occurred_at <= $as_of
    UNION ALL SELECT min(received_at), max(received_at) FROM dsr_requests WHERE received_at <= $as_of
    UNION ALL SELECT min(completed_at), max(completed_at) FROM dsr_requests WHERE completed_at <= $as_of)
