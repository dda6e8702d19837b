-- The rows of a partitioned table in the months $m, with their month, in time order.
SELECT {columns}, {month} AS month FROM {table} WHERE {month} IN (SELECT unnest($m))
ORDER BY {time}
