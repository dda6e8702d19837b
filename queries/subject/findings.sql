-- The person's findings in a run: the control, the row's id and times (the findings' reasons are
-- written for the compliance officer and are not repeated to the data subject).
SELECT control, severity, source, event_id, occurred_at, arose_at, waiver IS NOT NULL AS waived
FROM findings WHERE run_id = $run AND user_id = $user AND in_period
ORDER BY arose_at, control, event_id, source
