-- Rows the load rejected, per file and rule.
SELECT r.file, r.rule, count(*) AS n FROM rejected_rows r GROUP BY ALL ORDER BY r.file, r.rule
