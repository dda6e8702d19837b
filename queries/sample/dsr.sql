-- Background data-subject requests (table bd) of about 5% of the users.
CREATE TEMP TABLE bd AS
WITH a AS (
    SELECT i, user_id, rnd(i, 'dtype', 100) AS rt, rnd(i, 'ext', 100) < 10 AS ext,
        getvariable('t0') + 86400
            + rnd(i, 'recv', getvariable('as_of') - getvariable('t0') - 2 * 86400) AS r
    FROM bu WHERE rnd(i, 'dsr', 1000) < 50
), b AS (
    SELECT *,
        CASE WHEN rt < 35 THEN 'access' WHEN rt < 60 THEN 'erasure'
             WHEN rt < 75 THEN 'portability' WHEN rt < 90 THEN 'rectification'
             ELSE 'objection' END AS type,
        r + CASE WHEN ext THEN 86400 + rnd(i, 'delay', 80 * 86400)
                 ELSE 3600 + rnd(i, 'delay', 27 * 86400) END AS done
    FROM a
)
SELECT i, user_id, type, r,
    CASE WHEN type = 'erasure' THEN
        CASE WHEN rnd(i, 'escope', 10) < 4 THEN 'contacts'
             WHEN rnd(i, 'escope', 10) < 7 THEN 'all' END END AS scope,
    CASE WHEN ext THEN 'true' WHEN rnd(i, 'extf', 2) = 0 THEN 'false' END AS extended,
    -- Open only while the deadline (>= 28 days, 89 if extended) is still ahead of as_of.
    CASE WHEN done > getvariable('as_of') - 3600 THEN NULL
         WHEN r > getvariable('as_of') - 20 * 86400 AND rnd(i, 'open', 2) = 0 THEN NULL
         ELSE done END AS completed
FROM b
