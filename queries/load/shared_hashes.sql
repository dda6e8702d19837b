-- The content hashes a new row of _checked shares with another new row or with a loaded row of
-- the log's table <table>.
CREATE TEMP TABLE _shared_hashes AS
SELECT _hash FROM _checked WHERE _fate = 'new' GROUP BY _hash HAVING count(*) > 1
UNION SELECT _hash FROM {table} WHERE _hash IN (SELECT _hash FROM _checked WHERE _fate = 'new')
