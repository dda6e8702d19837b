-- access_versions from the whole history (<versions>: queries/db/versions_from_rows.sql): a
-- database made before the table (auditor/db.py), once.
INSERT INTO access_versions {versions}
