-- The export's first line that is not blank.
SELECT n, j FROM _xa_lines WHERE xa_nonblank(j) ORDER BY n LIMIT 1
