-- The staged records <relation> left out by the write-once statement, as a relation to check again.
(SELECT * FROM {relation} WHERE _ord IN (SELECT _ord FROM _left_out))
