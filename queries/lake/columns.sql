-- A table's columns and their types, in order.
SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'
ORDER BY ordinal_position
