-- access_versions as a temporary table made from the rows (<versions>: queries/db/versions_from_rows.sql),
-- in front of the stored table, where no loader kept it: the logs of a lake, or a database made
-- before the table and opened read-only. log-integrity and a period's window read it (once made,
-- not computed again by each).
CREATE OR REPLACE TEMP TABLE access_versions AS {versions}
