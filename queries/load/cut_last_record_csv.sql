-- CSV: the last malformed record, with no good record after it, has fewer fields than the
-- header or an odd number of quotes (a quoted value never closed: a quote inside one is
-- written twice).
SELECT line FROM _rejects
WHERE line_byte_position = (SELECT max(line_byte_position) FROM _rejects)
  AND line > (SELECT coalesce(max(_line), 0) FROM _checked)
  AND (error_type = 'MISSING COLUMNS' OR (length(csv_line) - length(replace(csv_line, '"', ''))) % 2 = 1)
LIMIT 1
