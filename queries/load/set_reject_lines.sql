-- The reader's line numbers of malformed records replaced by their physical lines.
UPDATE _rejects SET line = r.line FROM _reject_lines r WHERE _rejects.line_byte_position = r.pos
