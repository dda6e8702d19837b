-- access_versions as a temporary view over the rows (<versions>: queries/db/versions_from_rows.sql),
-- in front of the stored table: the logs of a lake, or a database made before the table and
-- opened read-only. log-integrity reads it.
CREATE OR REPLACE TEMP VIEW access_versions AS {versions}
