-- A malformed record whose line falls on blank lines starts on the first line after them. Runs
-- of blank lines that touch are one run (a chunk boundary may cut one in two).
UPDATE _reject_lines SET line = r.line + r.span FROM (
  SELECT min(line) AS line, sum(span) AS span FROM (
    SELECT line, span, line - coalesce(sum(span) OVER (ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING
                                                        AND 1 PRECEDING), 0) AS island FROM _blanks)
  GROUP BY island) r
WHERE _reject_lines.line BETWEEN r.line AND r.line + r.span - 1
