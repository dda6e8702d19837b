-- Whether the database has access_versions (one made before it has not; auditor/db.py).
SELECT count(*) > 0 FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'access_versions' AND NOT temporary
