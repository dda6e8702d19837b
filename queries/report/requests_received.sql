-- Data-subject requests received in the period.
SELECT count(*) AS n FROM dsr_requests WHERE received_at >= $start AND received_at < $end
