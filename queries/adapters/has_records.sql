-- Whether an adapter read any export of this load (it made _xa_all).
SELECT count(*) FROM duckdb_tables() WHERE table_name = '_xa_all' AND temporary
