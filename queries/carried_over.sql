-- The findings of run $run that arose before its period and are still open at its as_of
-- ("carried over"): a finding is open while its condition still holds, which only three kinds
-- of finding can do. A session-retention or contacts-deletion copy not purged by as_of; a
-- dsr-deadline request not completed by as_of. Every other finding is a past event, closed once
-- reported. (An id with several versions is open while any version dated by as_of is: one dated
-- later has not happened yet, as for every control.) The candidates are few:
-- each log is read once, for their ids only.
WITH candidates AS (
    SELECT * FROM findings
    WHERE run_id = $run AND NOT in_period AND control IN ('session-retention', 'contacts-deletion', 'dsr-deadline')),
still_held AS (
    SELECT DISTINCT event_id FROM access_events
    WHERE event_id IN (SELECT event_id FROM candidates WHERE control <> 'dsr-deadline')
      AND occurred_at <= $as_of AND (purged_at IS NULL OR purged_at > $as_of)),
still_open AS (
    SELECT DISTINCT request_id FROM dsr_requests
    WHERE request_id IN (SELECT event_id FROM candidates WHERE control = 'dsr-deadline')
      AND received_at <= $as_of AND (completed_at IS NULL OR completed_at > $as_of))
SELECT c.* FROM candidates c
WHERE (c.control <> 'dsr-deadline' AND c.event_id IN (SELECT event_id FROM still_held))
   OR (c.control = 'dsr-deadline' AND c.event_id IN (SELECT request_id FROM still_open))
