-- The reader's malformed records of a file to rejected_rows, one per record, under $rule.
INSERT INTO rejected_rows
SELECT $file_id, $log, $file, line, arg_min(column_name, column_idx), $rule,
       string_agg(error_message, '; ' ORDER BY column_idx), any_value(csv_line)
FROM _rejects GROUP BY line
