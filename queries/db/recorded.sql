-- Whether the database has the table $table that the loader keeps (access_versions, access_held;
-- a database made before it has not: auditor/db.py).
SELECT count(*) > 0 FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $table AND NOT temporary
