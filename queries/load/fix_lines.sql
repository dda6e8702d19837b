-- The physical line of each good record: the header ($header_lines), the records and the line
-- breaks inside values before it (<breaks>: the column counting them, or 0), and the lines of
-- malformed records and blank lines the reader skipped before it.
UPDATE _checked SET _line = fixed.line FROM (
  WITH good AS (
    SELECT _ord, $header_lines + _ord
           + coalesce(sum({breaks}) OVER (ORDER BY _ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS base
    FROM _checked),
  spans AS (
    SELECT line, 1 + len(t) - len(replace(t, chr(10), '')) AS span
    FROM (SELECT DISTINCT line, trim(csv_line, chr(10) || chr(13)) AS t FROM _rejects)
    UNION ALL SELECT line, span FROM _blanks),
  bad AS (  -- lines skipped one after another share a position; the next record follows them all
    SELECT pos, max(skipped) AS skipped FROM (
      SELECT line - coalesce(sum(span) OVER (ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS pos,
             sum(span) OVER (ORDER BY line) AS skipped
      FROM spans)
    GROUP BY pos)
  SELECT good._ord, good.base + coalesce(bad.skipped, 0) AS line
  FROM good ASOF LEFT JOIN bad ON good.base >= bad.pos) AS fixed
WHERE _checked._ord = fixed._ord
