-- The run's findings per control and month of the trend.
SELECT control, strftime(timezone($tz, arose_at), '%Y-%m') AS month, count(*) AS n
FROM findings WHERE run_id = $run AND arose_at >= $tstart AND arose_at < $end GROUP BY ALL
