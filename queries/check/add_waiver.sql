-- One waiver in force.
INSERT INTO _waivers VALUES (?, ?, ?, ?, ?)
