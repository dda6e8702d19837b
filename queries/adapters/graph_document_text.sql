-- The document's text at a path (the @odata.nextLink).
SELECT json_extract_string(d, $p) FROM _xa_doc
