-- Where each malformed record starts in the file (a byte offset).
SELECT DISTINCT line_byte_position FROM _rejects ORDER BY 1
