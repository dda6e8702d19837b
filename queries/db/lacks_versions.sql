-- Whether the database has the table access_events and not access_versions (made before it).
SELECT count(*) FILTER (WHERE table_name = 'access_events') = 1 AND count(*) FILTER (WHERE table_name = 'access_versions') = 0
FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
