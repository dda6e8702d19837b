-- An Arrow table (the Python variable `rows`) as the temporary table <name>.
CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM rows
