-- The run's findings per severity: open and waived in the period, and arising in the month before.
SELECT severity, count(*) FILTER (WHERE in_period AND waiver IS NULL) AS open,
       count(*) FILTER (WHERE in_period AND waiver IS NOT NULL) AS waived,
       count(*) FILTER (WHERE arose_at >= $pstart AND arose_at < $pend AND waiver IS NULL) AS previous
FROM findings WHERE run_id = $run GROUP BY severity
