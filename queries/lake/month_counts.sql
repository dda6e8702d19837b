-- A partitioned table's rows per month (<month>: the month of its time column).
SELECT {month} AS m, count(*) FROM {table} GROUP BY m
