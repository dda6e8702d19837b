-- A Parquet file as the check reads it, numbered by row; its columns renamed c0, c1, ...
-- (<aliases>), so no name from a file ever becomes SQL.
(SELECT file_row_number + 1 AS _ord, * EXCLUDE (file_row_number)
 FROM read_parquet($path, file_row_number=true) AS t({aliases}))
