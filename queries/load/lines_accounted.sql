-- The physical lines a CSV file's records account for, but for the header: a line per record,
-- the line breaks inside values, and the lines of the reader's malformed records.
SELECT (SELECT count(*) + coalesce(sum(_breaks), 0) FROM _checked)
     + (SELECT coalesce(sum(1 + len(t) - len(replace(t, chr(10), ''))), 0)
        FROM (SELECT DISTINCT line, trim(csv_line, chr(10) || chr(13)) AS t FROM _rejects))
