-- Runs of blank lines of a file: the first line and how many.
CREATE TEMP TABLE _blanks (line BIGINT, span BIGINT)
