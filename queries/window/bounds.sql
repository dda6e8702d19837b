-- The window of a period run (check.py `_access_window`): its findings arise from $since on; the
-- access events it judges are those dated from $since to $until (the later of as_of and the
-- period's end), with the few older ones of queries/window/older.sql. held: the moment from which
-- a copy not yet purged may still give a finding (the window's start, or as_of when earlier).
CREATE OR REPLACE TEMP TABLE _window AS
SELECT CAST($since AS TIMESTAMPTZ) AS since, CAST($until AS TIMESTAMPTZ) AS until,
       least(CAST($since AS TIMESTAMPTZ), CAST($as_of AS TIMESTAMPTZ)) AS held
