-- JSON Lines: the last line is not JSON (a valid non-object is a bad_json row, not a cut),
-- or one the reader could not read as text (cut inside a character).
WITH records AS (
  SELECT _line AS line, _fate = 'rejected' AND NOT json_valid(_raw) AS cut FROM _checked
  UNION ALL SELECT line, true FROM _rejects)
SELECT line FROM records WHERE cut AND line = (SELECT max(line) FROM records)
LIMIT 1
