-- The export's last line that is not blank (JSON Lines: it may hold an @odata.nextLink).
SELECT j FROM _xa_lines WHERE xa_nonblank(j) ORDER BY n DESC LIMIT 1
