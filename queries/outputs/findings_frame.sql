-- Every finding of a run's period (the CSV's columns), in a stable order, times as ISO 8601 text
-- (<occurred_at>, <arose_at>: db.iso_sql); <user_id>, <user_person>, <reason>: the user's id,
-- name and the reason, or their pseudonymised forms.
SELECT control, severity, event_id, {user_id} AS user_id, {user_person},
       {occurred_at} AS occurred_at,
       {arose_at} AS arose_at, {reason} AS reason, waiver IS NOT NULL AS waived,
       waiver->>'$.reason' AS waiver_reason, waiver->>'$.approved_by' AS waiver_approved_by,
       waiver->>'$.expires' AS waiver_expires, source
FROM findings f WHERE run_id = $run AND in_period ORDER BY control, f.occurred_at, event_id, source
