-- Mark as 'duplicate' each new row of _checked equal to an earlier row of the file (<same_earlier>)
-- or to a loaded row of <table> (<same_loaded>): every canonical column equal. A duplicate has its
-- original's id (<key>), so the candidates are the rows of an id in _shared_ids (ids hashed: a
-- collision only adds a candidate), and the loaded rows of those ids are fetched by row id, found
-- by their _id_hash: a few rows, not every column of the table.
UPDATE _checked SET _fate = 'duplicate' WHERE _ord IN (
  WITH candidates AS MATERIALIZED (
    SELECT * FROM _checked WHERE _fate = 'new' AND hash({key}) IN (SELECT h FROM _shared_ids)),
  loaded AS MATERIALIZED (
    SELECT * FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE _id_hash IN (SELECT h FROM _shared_ids)))
  SELECT c._ord FROM candidates c
  WHERE EXISTS (SELECT 1 FROM candidates o WHERE o.{key} = c.{key} AND o._ord < c._ord AND {same_earlier})
     OR EXISTS (SELECT 1 FROM loaded t WHERE t.{key} = c.{key} AND {same_loaded}))
