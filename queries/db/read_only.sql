-- Whether the connection's own database was opened read-only.
SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()
