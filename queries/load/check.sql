-- The check of a file's rows, generated from the schema (checks.check_sql): for each row of the
-- staged <relation> (a row as the struct _s), the trimmed text of each canonical column
-- (<trimmed>), its normalised value (<values>), whether any check fails (<bad>, or the staging's
-- own errors <pre>), and from these the row's fate, its errors (<error_list>: built only for the
-- rows rejected), its content hash over <columns>, and its raw text (<raw>; kept for every row
-- when <keep_raw> is true). <header_lines>: the lines before the first record; <breaks>: the
-- line breaks inside a CSV record's values (<breaks_column> keeps them); <extra>: the
-- non-canonical columns as JSON; <joins>: the lookups of the columns checked once per distinct value.
SELECT _ord, _ord + {header_lines} AS _line, {breaks_column}_extra, {columns},
       CASE WHEN _bad THEN 'rejected' ELSE 'new' END AS _fate,
       CASE WHEN _bad THEN {error_list} END AS _errors,
       CASE WHEN NOT _bad THEN hash({columns}) END AS _hash,
       CASE WHEN {keep_raw} THEN {raw} END AS _raw FROM (
  SELECT *, {bad} AS _bad FROM (
    SELECT *, {values} FROM (
      SELECT _ord, _s, {breaks}{extra} AS _extra, {pre} AS _pre,
  {trimmed}
      FROM {relation} AS _s{joins})))
