-- A Microsoft 365 audit-log CSV export's records, numbered, with the physical line of each: the
-- $skip lines before the header, the header, the records before it and the line breaks inside
-- their values (<text>: the record's values concatenated).
CREATE OR REPLACE TEMP TABLE _xa_rows AS
SELECT *, 1 + $skip + _ord + coalesce(sum(len({text}) - len(replace({text}, chr(10), '')))
          OVER (ORDER BY _ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS _line
FROM (SELECT row_number() OVER () AS _ord, * FROM read_csv($path, auto_detect=false, header=true, skip=$skip,
      columns=$columns, delim=',', quote='"', escape='"', encoding=$enc, max_line_size=$max, store_rejects=true,
      rejects_table='_rejects', rejects_scan='_rejects_scan', ignore_errors=true))
