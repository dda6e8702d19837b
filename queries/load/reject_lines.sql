-- The physical line of each malformed record, by the byte offset where it starts.
CREATE TEMP TABLE _reject_lines (pos BIGINT, line BIGINT)
