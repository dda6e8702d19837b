-- Whether the document's value at a path is an array (of records).
SELECT json_type(d, $p) = 'ARRAY' FROM _xa_doc
