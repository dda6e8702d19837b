-- The columns of a Parquet file that its writer dictionary-encoded in every row group: a writer
-- keeps a column's dictionary only while its distinct values are few.
SELECT path_in_schema FROM parquet_metadata($path)
GROUP BY path_in_schema HAVING bool_and(contains(encodings, 'DICTIONARY'))
