INSERT INTO _xa_role_map VALUES (?, ?)
