-- The records of one export with one status (unmapped or failed), by activity and why.
SELECT coalesce(activity, '(no activity)'), coalesce(detail, ''), count(*) FROM source_events
WHERE sha256 = ? AND status = ?
GROUP BY ALL
ORDER BY 3 DESC, 1, 2
