INSERT INTO _xa_holders VALUES (?, ?)
