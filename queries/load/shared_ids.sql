-- The ids (<id>: the trimmed id column over <relation>, the staged file) that more than one row
-- of the file has, hashed.
CREATE TEMP TABLE _shared_ids AS SELECT hash({id}) AS h
FROM {relation} GROUP BY h HAVING count(*) > 1
