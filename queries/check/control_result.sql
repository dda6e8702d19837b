-- One control's result in a run.
INSERT INTO control_results VALUES (?, ?, ?, ?, ?, ?, ?)
