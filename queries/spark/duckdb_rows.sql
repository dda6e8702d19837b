-- A control's findings as DuckDB finds them (<control_sql>), in the columns compared (<columns>).
CREATE OR REPLACE TEMP TABLE _duckdb_rows AS SELECT {columns} FROM ({control_sql})
