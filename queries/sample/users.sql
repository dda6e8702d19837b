-- Background users (table bu): country, pilot group membership, consents, hides, sessions.
CREATE TEMP TABLE bu AS
WITH b AS (
    SELECT i, md5(getvariable('seed')::VARCHAR || ':user:' || i::VARCHAR) AS m,
        rnd(i, 'country', 1000) AS rc,
        pick(getvariable('first'), i, 'first') AS first,
        pick(getvariable('last'), i, 'last') AS last,
        rnd(i, 'pilot', 100) < 8 AS pilot,
        rnd(i, 'removed', 100) < 10 AS rm_draw,
        rnd(i, 'connects', 100) >= 10 AS connects,
        rnd(i, 'pconn', 100) < 75 AS pconn_draw
    FROM range(getvariable('n')) t(i)
), c AS (
    SELECT *, guid(m) AS user_id, first || ' ' || last AS display_name,
        CASE WHEN rc < 300 THEN 'US' WHEN rc < 350 THEN 'GB' WHEN rc < 370 THEN NULL
             ELSE pick(['SE','SE','SE','DE','DE','FR','NL','IE','ES','IT','PL','FI','DK','AT',
                        'BE','NO','PT','CZ'], i, 'eu') END AS country,
        pilot AND rm_draw AS removed,
        CASE WHEN pilot THEN getvariable('t0') + 32400 + rnd(i, 'ga', 129600) END AS ga
    FROM b
), d AS (
    SELECT *,
        CASE WHEN removed THEN ga + 86400 + rnd(i, 'gr', 259200) END AS gr,
        CASE WHEN NOT connects THEN NULL
             WHEN pilot AND NOT removed AND pconn_draw
                 THEN ga + 3600 + rnd(i, 'c1p', getvariable('ta') - ga - 10800)
             ELSE getvariable('ta') + 60 + CAST(floor((getvariable('be') - getvariable('ta'))
                  * 0.6 * pow(rnd(i, 'c1', 1000000) / 1e6, 2)) AS BIGINT) END AS c1,
        CASE WHEN rnd(i, 's1', 100) < 25 THEN 'linkedin_only' ELSE 'bidirectional' END AS s1,
        CASE WHEN rnd(i, 's3', 100) < 30 THEN 'linkedin_only' ELSE 'bidirectional' END AS s3,
        CASE WHEN rnd(i, 'hide', 100) < 8 THEN getvariable('t0') + 86400
             + rnd(i, 'h1', getvariable('be') - getvariable('t0') - 2 * 86400) END AS h1
    FROM c
), e AS (
    SELECT *,
        CASE WHEN c1 IS NOT NULL AND rnd(i, 'dis', 100) < 12
                  AND getvariable('be') - c1 > 4 * 86400
             THEN c1 + 86400 + rnd(i, 'd1', getvariable('be') - c1 - 2 * 86400) END AS d1,
        CASE WHEN s1 = 'bidirectional' THEN 'linkedin_only' ELSE 'bidirectional' END AS s2,
        CASE WHEN h1 IS NOT NULL AND rnd(i, 'show', 100) < 40
                  AND getvariable('be') - h1 > 3 * 3600
             THEN h1 + 3600 + rnd(i, 'h2', getvariable('be') - h1 - 7200) END AS h2,
        CASE WHEN NOT pilot AND rnd(i, 'ladd', 100) < 2 THEN getvariable('ta') + 86400
             + rnd(i, 'la', getvariable('be') - getvariable('ta') - 2 * 86400) END AS late_add,
        CASE WHEN pilot AND NOT removed AND rnd(i, 'lrm', 100) < 30
             THEN getvariable('ta') + 86400
             + rnd(i, 'lr', getvariable('be') - getvariable('ta') - 2 * 86400) END AS late_rm
    FROM d
), f AS (
    SELECT *,
        CASE WHEN d1 IS NOT NULL AND rnd(i, 'recon', 100) < 60
                  AND getvariable('be') - d1 > 2 * 86400
             THEN d1 + 3600 + rnd(i, 'c2', getvariable('be') - d1 - 86400) END AS c2,
        coalesce(d1, getvariable('be')) AS w1e
    FROM e
), g AS (
    SELECT *,
        CASE WHEN c1 IS NOT NULL AND rnd(i, 'scopechg', 100) < 8 AND w1e - c1 > 6 * 3600
             THEN c1 + 3600 + rnd(i, 'cs', w1e - c1 - 10800) END AS cs,
        CASE WHEN c1 IS NULL THEN 0 ELSE greatest(0, w1e - c1 - getvariable('maxlen')) END AS l1,
        CASE WHEN c2 IS NULL THEN 0
             ELSE greatest(0, getvariable('be') - c2 - getvariable('maxlen')) END AS l2
    FROM f
)
SELECT *,
    least(4095, CAST(floor((l1 + l2) / 86400.0 * getvariable('rate')
        * (0.25 + rnd(i, 'rate', 1000) / 666.0)) AS BIGINT)) AS n_sess,
    row_number() OVER (PARTITION BY first, last ORDER BY i) AS name_rank
FROM g
