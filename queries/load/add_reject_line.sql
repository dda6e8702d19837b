-- One malformed record's start (byte offset) and its physical line.
INSERT INTO _reject_lines VALUES (?, ?)
