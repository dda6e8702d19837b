-- Every physical line of a Graph export as text, numbered from 1 (a blank line: NULL or blank).
-- One field a line: the delimiter never occurs raw inside valid JSON.
CREATE OR REPLACE TEMP TABLE _xa_lines AS
SELECT row_number() OVER () AS n, j
FROM read_csv($path, auto_detect=false, header=false, columns={'j': 'VARCHAR'}, delim=$delim, quote='', escape='',
              strict_mode=false, max_line_size=$max, encoding=$enc)
