-- The rows each engine found, and the rows only one of them found (<columns>: FINDING_COLUMNS).
SELECT (SELECT count(*) FROM _duckdb_rows), (SELECT count(*) FROM _spark_rows),
       (SELECT count(*) FROM (SELECT {columns} FROM _duckdb_rows EXCEPT ALL SELECT {columns} FROM _spark_rows)),
       (SELECT count(*) FROM (SELECT {columns} FROM _spark_rows EXCEPT ALL SELECT {columns} FROM _duckdb_rows))
