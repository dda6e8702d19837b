-- The tables of one attached database with their columns, each as 'name TYPE' in column order:
-- what a database must have for this version of auditor to read it.
SELECT table_name, list(column_name || ' ' || data_type ORDER BY column_index)
FROM duckdb_columns()
WHERE database_name = ? AND schema_name = 'main'
GROUP BY table_name
