-- Data-subject requests received, due or open in the period, per status; <requests>: every
-- request with its deadline and status (dsr/requests).
WITH s AS (
    SELECT * FROM ({requests}) q
    WHERE (received_at >= $start AND received_at < $end) OR (deadline >= $start AND deadline < $end)
       OR completed_at IS NULL)
SELECT status, count(*) AS n FROM s GROUP BY status
