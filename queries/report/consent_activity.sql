-- Consent events of the period per action.
SELECT action, count(*) AS n FROM consent_events WHERE occurred_at >= $start AND occurred_at < $end
GROUP BY action ORDER BY action
