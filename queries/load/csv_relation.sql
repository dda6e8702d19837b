-- A CSV file as the check reads it: every column text, malformed records set aside in _rejects.
-- A CSV reader cannot number records: _ord is NULL, and _checked is numbered after
-- (number_records).
(SELECT NULL::BIGINT AS _ord, * FROM read_csv($path, auto_detect=false, header=true, columns=$columns, delim=',',
                                               quote='"', escape='"', store_rejects=true, rejects_table='_rejects',
                                               rejects_scan='_rejects_scan', ignore_errors=true))
