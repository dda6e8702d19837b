-- The document as JSON: its type and, for an object, its top-level keys.
CREATE OR REPLACE TEMP TABLE _xa_doc AS SELECT CAST(d AS JSON) AS d FROM _xa_doc;
SELECT json_type(d), CASE WHEN json_type(d) = 'OBJECT' THEN json_keys(d) END FROM _xa_doc
