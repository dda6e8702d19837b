-- The first malformed record of an export, and why.
SELECT line, error_message FROM _rejects ORDER BY line LIMIT 1
