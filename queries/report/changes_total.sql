-- Admin events of the period.
SELECT count(*) AS n FROM admin_events a WHERE occurred_at >= $start AND occurred_at < $end
