-- Mark as 'duplicate' each new row of _checked equal to an earlier row of the file (<same_earlier>)
-- or to a loaded row of <table> (<same_loaded>), among the rows sharing a content hash.
UPDATE _checked SET _fate = 'duplicate' WHERE _ord IN (
  WITH candidates AS (
    SELECT * FROM _checked c WHERE c._fate = 'new' AND c._hash IN (SELECT _hash FROM _shared_hashes))
  SELECT c._ord FROM candidates c
  WHERE EXISTS (SELECT 1 FROM candidates o WHERE o._hash = c._hash AND o._ord < c._ord AND {same_earlier})
     OR EXISTS (SELECT 1 FROM {table} t WHERE t._hash = c._hash AND {same_loaded}))
