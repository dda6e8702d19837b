-- The findings of a run's period.
SELECT * FROM findings WHERE run_id = $run AND in_period
