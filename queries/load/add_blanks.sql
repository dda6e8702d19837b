-- Runs of blank lines (first line, how many) found in a file.
INSERT INTO _blanks SELECT unnest(?::BIGINT[]), unnest(?::BIGINT[])
