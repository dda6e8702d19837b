-- Number the records of _checked in file order (by row id, see jsonl_stage), and their lines after
-- the header's $header_lines.
UPDATE _checked SET _ord = rowid + 1 - (SELECT min(rowid) FROM _checked),
                    _line = rowid + 1 - (SELECT min(rowid) FROM _checked) + $header_lines
