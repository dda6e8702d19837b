-- A table's schema (no rows), its columns as the lake stores them (<columns>).
SELECT {columns} FROM {table} LIMIT 0
