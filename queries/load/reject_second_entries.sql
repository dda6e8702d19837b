-- In a log that names each id once (<table>, the directory, id column <key>): reject every valid
-- row whose id is taken, by a loaded row or the first valid row of the file, unless it is an
-- exact duplicate of that row (<same_loaded>, <same_first>: every canonical column equal);
-- <error>: the error struct.
UPDATE _checked SET _fate = 'rejected', _errors = [{error}]
WHERE _ord IN (
  WITH valid AS (SELECT * FROM _checked WHERE _fate IN ('new', 'duplicate')),
  first AS (SELECT * FROM valid v WHERE _ord = (SELECT min(o._ord) FROM valid o WHERE o.{key} = v.{key})
                                    AND {key} NOT IN (SELECT {key} FROM {table}))
  SELECT c._ord FROM valid c
  WHERE ({key} IN (SELECT {key} FROM {table})
         AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{key} = c.{key} AND t._hash = c._hash AND {same_loaded}))
     OR EXISTS (SELECT 1 FROM first f WHERE f.{key} = c.{key} AND f._ord < c._ord
                AND NOT (f._hash = c._hash AND {same_first})))
