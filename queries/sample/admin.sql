-- Background admin events (table badm): the enablement history and the pilot group's changes.
CREATE TEMP TABLE badm AS
WITH actors AS (
    SELECT (SELECT user_id FROM bu WHERE i = 0) AS a0, (SELECT user_id FROM bu WHERE i = 1) AS a1
), fixed(k, sec, actor, role, action, grp) AS (
    SELECT * FROM (VALUES
        (0, getvariable('t0') + 7 * 3600, 0, 'global_administrator', 'disable', NULL),
        (1, getvariable('t0') + 8 * 3600, 0, 'global_administrator', 'enable_group', 'G'),
        (2, getvariable('t0') + 8 * 3600 + 1800, 1, 'user_administrator', 'announce', NULL),
        (3, getvariable('ta') - 7200, 1, 'user_administrator', 'announce', NULL),
        (4, getvariable('ta'), 0, 'global_administrator', 'enable_all', NULL))
), grp AS (
    SELECT 100 + i * 4 AS k, ga AS sec, rnd(i, 'actor', 3) AS actor, 'group_add' AS action,
        user_id AS target FROM bu WHERE ga IS NOT NULL
    UNION ALL SELECT 101 + i * 4, gr, rnd(i, 'actor2', 3), 'group_remove', user_id
        FROM bu WHERE gr IS NOT NULL
    UNION ALL SELECT 102 + i * 4, late_add, rnd(i, 'actor3', 3), 'group_add', user_id
        FROM bu WHERE late_add IS NOT NULL
    UNION ALL SELECT 103 + i * 4, late_rm, rnd(i, 'actor4', 3), 'group_remove', user_id
        FROM bu WHERE late_rm IS NOT NULL
)
SELECT k AS _k, sec AS _sec, CASE WHEN actor = 0 THEN a0 ELSE a1 END AS actor_id, role,
    action, CASE WHEN grp IS NOT NULL THEN getvariable('grp') END AS group_id,
    NULL::VARCHAR AS target_user_id
FROM fixed, actors
UNION ALL
SELECT k, sec, CASE WHEN actor = 0 THEN a0 ELSE a1 END,
    CASE WHEN actor = 0 THEN 'global_administrator' ELSE 'user_administrator' END,
    action, getvariable('grp'), target
FROM grp, actors
