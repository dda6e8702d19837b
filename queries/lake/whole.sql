-- A table written whole, its columns as the lake stores them (<columns>).
SELECT {columns} FROM {table}
