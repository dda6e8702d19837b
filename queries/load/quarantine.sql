-- The rejected rows of a file to rejected_rows: the first rule broken, every message, the raw text.
INSERT INTO rejected_rows
SELECT $file_id, $log, $file, c._line, c._errors[1].column, c._errors[1].rule,
       array_to_string(list_transform(c._errors, lambda e: e.message), '; '), c._raw
FROM _checked c WHERE c._fate = 'rejected'
