-- Background consent events (table bcon): connects, scope changes, disconnects, hides and shows.
CREATE TEMP TABLE bcon AS
WITH ev AS (
    SELECT i * 8 AS k, c1 AS sec, i, user_id, 'connect' AS action, s1 AS scope,
        pick(['outlook','outlook','onedrive','sharepoint'], i, 'surf') AS surface
        FROM bu WHERE c1 IS NOT NULL
    UNION ALL SELECT i * 8 + 1, cs, i, user_id, 'connect', s2, 'account_settings'
        FROM bu WHERE cs IS NOT NULL
    UNION ALL SELECT i * 8 + 2, d1, i, user_id, 'disconnect', NULL,
        pick(['account_settings','linkedin'], i, 'surfd') FROM bu WHERE d1 IS NOT NULL
    UNION ALL SELECT i * 8 + 3, c2, i, user_id, 'connect', s3,
        pick(['outlook','onedrive','sharepoint','account_settings'], i, 'surfc')
        FROM bu WHERE c2 IS NOT NULL
    UNION ALL SELECT i * 8 + 4, h1, i, user_id, 'hide_profile', NULL, 'linkedin'
        FROM bu WHERE h1 IS NOT NULL
    UNION ALL SELECT i * 8 + 5, h2, i, user_id, 'show_profile', NULL, 'linkedin'
        FROM bu WHERE h2 IS NOT NULL
)
SELECT k AS _k, sec AS _sec, user_id, action, scope, surface,
    CASE WHEN action <> 'connect' THEN NULL
         WHEN sec < getvariable('ta') THEN 'lac-notice-1.0' ELSE 'lac-notice-1.1' END
        AS notice_version,
    rnd(k, 'tz', 50) = 0 AS off
FROM ev
