-- The first findings of a failed control not waived, shown under check's table.
SELECT event_id, reason FROM findings
WHERE run_id = ? AND control = ? AND waiver IS NULL AND in_period
ORDER BY occurred_at, event_id, source
LIMIT ?
