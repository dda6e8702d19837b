-- access_held (queries/schema.sql) made and filled from the whole history: in a new database it
-- is empty; a database made before the table gets it once, the first time it is opened writable
-- (auditor/db.py). After views.sql, whose macro held_long says which rows.
CREATE TABLE access_held AS
SELECT * FROM access_events WHERE held_long(occurred_at, purged_at)
