-- The findings chosen (<findings>: a run's period's, or those carried over into it), sorted by
-- control, then the time itself (not its text), then event_id; times as ISO 8601 text
-- (<occurred_at>, <arose_at>: db.iso_sql).
SELECT control, event_id, user_id, {occurred_at} AS occurred_at, reason, severity,
       waiver IS NOT NULL AS waived, waiver, source, {arose_at} AS arose_at FROM ({findings}) f
ORDER BY control, f.occurred_at, event_id, source
