-- The blank lines found in a file.
SELECT coalesce(sum(span), 0) FROM _blanks
