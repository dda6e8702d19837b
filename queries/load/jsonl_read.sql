-- A JSON Lines file's lines, each read whole as text: $delim is a character valid JSON never
-- holds raw, and nothing is quoted.
CREATE TEMP TABLE _read AS
SELECT * FROM read_csv($path, auto_detect=false, header=false, columns={'j': 'VARCHAR'}, delim=$delim, quote='',
                       escape='', store_rejects=true, rejects_table='_rejects', rejects_scan='_rejects_scan',
                       ignore_errors=true)
