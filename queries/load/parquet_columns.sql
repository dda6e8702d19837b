-- A Parquet file's columns and their types.
DESCRIBE SELECT * FROM read_parquet($path)
