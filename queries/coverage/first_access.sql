-- The earliest access event up to as_of: where a run without a period starts judging.
SELECT min(occurred_at) FROM access_events WHERE occurred_at <= ?
