-- id: consent-before-access
-- title: No data flows for a user before that user has consented
-- severity: high
-- articles: 6(1)(a), 7(1)
-- promise: Nothing flows for a user until that user consents to connect their work or school account with their LinkedIn account.
-- description: Every access event of a user happens at or after that user's first connect.
-- remediation: Find the service that read or sent this user's data without a connection and make it check the user's consent first.
SELECT 'access_events' AS source, a.event_id, a.user_id, a.occurred_at, a.occurred_at AS arose_at,
       describe_access(a.category, a.user_id, a.direction, a.occurred_at)
       || ', but ' || a.user_id || ' had never connected their work and LinkedIn accounts.' AS reason
FROM access_events a
ASOF LEFT JOIN consent_states s ON a.user_id = s.user_id AND a.occurred_at >= s.valid_from
WHERE a.occurred_at <= $as_of AND NOT coalesce(s.ever_connected, false)
