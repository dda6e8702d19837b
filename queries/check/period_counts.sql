-- One control's findings in the period of a run, and how many are waived.
SELECT count(*), count(waiver) FROM findings WHERE run_id = ? AND control = ? AND in_period
