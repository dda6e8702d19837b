-- The findings of run $run that arose before its period and are still open at its as_of
-- ("carried over"): a finding is open while its condition still holds, which only three kinds
-- of finding can do. A session-retention or contacts-deletion copy not purged by as_of; a
-- dsr-deadline request not completed by as_of. Every other finding is a past event, closed once
-- reported. (An id with several versions is open while any version is.)
SELECT f.*
FROM findings f
WHERE f.run_id = $run AND NOT f.in_period
  AND CASE f.control
        WHEN 'session-retention' THEN EXISTS (
            SELECT 1 FROM access_events a WHERE a.event_id = f.event_id AND (a.purged_at IS NULL OR a.purged_at > $as_of))
        WHEN 'contacts-deletion' THEN EXISTS (
            SELECT 1 FROM access_events a WHERE a.event_id = f.event_id AND (a.purged_at IS NULL OR a.purged_at > $as_of))
        WHEN 'dsr-deadline' THEN EXISTS (
            SELECT 1 FROM dsr_requests r WHERE r.request_id = f.event_id AND (r.completed_at IS NULL OR r.completed_at > $as_of))
        ELSE false END
