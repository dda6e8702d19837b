-- A Parquet file as the check reads it, numbered by row (_ord from 1; _row, the reader's own row
-- number from 0, which a filter reaches inside the reader: load/left_out_rows.sql); its columns
-- renamed c0, c1, ... (<aliases>), so no name from a file ever becomes SQL.
(SELECT file_row_number + 1 AS _ord, file_row_number AS _row, * EXCLUDE (file_row_number)
 FROM read_parquet($path, file_row_number=true) AS t({aliases}))
