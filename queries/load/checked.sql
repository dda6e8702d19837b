-- The rows of a file checked (<check>: checks.check_sql), each with its fate.
CREATE TEMP TABLE _checked AS {check}
