-- The default as_of: the latest occurred_at (received_at for requests) loaded.
SELECT max(t) FROM (SELECT max(occurred_at) AS t FROM access_events UNION ALL
                    SELECT max(occurred_at) FROM consent_events UNION ALL
                    SELECT max(occurred_at) FROM admin_events UNION ALL
                    SELECT max(received_at) FROM dsr_requests)
