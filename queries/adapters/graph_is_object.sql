-- Whether a line is a JSON object (then the export is JSON Lines).
SELECT json_valid($j) AND json_type(CAST($j AS JSON)) = 'OBJECT'
