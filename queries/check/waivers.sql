-- The waivers in force for a run, in the order of the waiver file (n).
CREATE OR REPLACE TEMP TABLE _waivers (n INTEGER, control VARCHAR, event_id VARCHAR, user_id VARCHAR, waiver JSON)
