-- Background access events (table ba): sessions of events inside the users' consent windows.
CREATE TEMP TABLE ba AS
WITH s AS (
    SELECT i, user_id, country, c1, c2, cs, s1, s2, s3, h1, h2, l1, l2, k, i * 4096 + k AS sk
    FROM (SELECT *, unnest(range(n_sess)) AS k FROM bu WHERE n_sess > 0)
), s2 AS (
    SELECT *, rnd(sk, 'pos', l1 + l2) AS pos, 300 + rnd(sk, 'len', 6900) AS slen,
        1 + rnd(sk, 'nev', 6) AS nev
    FROM s
), s3 AS (
    SELECT *, pos >= l1 AS in_w2,
        CASE WHEN pos >= l1 THEN c2 + pos - l1 ELSE c1 + pos END AS st
    FROM s2
), e AS (
    SELECT *, sk * 8 + j AS ek FROM (SELECT *, unnest(range(nev)) AS j FROM s3)
), e2 AS (
    SELECT *, st + rnd(ek, 'off', slen) AS t, st + slen AS se FROM e
), e3 AS (
    SELECT *,
        CASE WHEN in_w2 THEN s3 WHEN cs IS NOT NULL AND t >= cs THEN s2 ELSE s1 END AS scope,
        h1 IS NOT NULL AND t >= h1 AND (h2 IS NULL OR t < h2) AS hidden,
        rnd(ek, 'cat', 100) AS rc
    FROM e2
), e4 AS (
    SELECT *, scope = 'bidirectional' AND rnd(ek, 'dir', 100) < 45 AS m2l FROM e3
), e5 AS (
    SELECT *,
        CASE WHEN m2l THEN CASE WHEN rc < 30 THEN 'profile' WHEN rc < 60 THEN 'calendar'
                                WHEN rc < 80 THEN 'contacts' WHEN rc < 90 THEN 'interests'
                                ELSE 'subscriptions' END
             ELSE CASE WHEN rc < 55 THEN 'profile' WHEN rc < 70 THEN 'connections'
                       WHEN rc < 85 THEN 'interests' ELSE 'subscriptions' END END AS category,
        coalesce(country, 'IE') AS ms_region,
        CASE WHEN rnd(ek, 'lir', 100) < 70 THEN 'US' ELSE 'IE' END AS li_region,
        rnd(ek, 'viewer', 100) AS rv,
        (i + 1 + rnd(ek, 'vi', getvariable('n') - 1)) % getvariable('n') AS vi
    FROM e4
), e6 AS (
    SELECT *,
        CASE WHEN m2l THEN ms_region ELSE li_region END AS src,
        CASE WHEN m2l THEN li_region ELSE ms_region END AS dst
    FROM e5
)
SELECT e6.ek AS _k, e6.t AS _sec, e6.user_id, e6.i,
    CASE WHEN m2l THEN 'microsoft_to_linkedin' ELSE 'linkedin_to_microsoft' END AS direction,
    category,
    CASE WHEN NOT m2l THEN CASE category
            WHEN 'profile' THEN pick([['name','headline','photo'],
                                      ['name','headline','photo','current_position'],
                                      ['name','photo']], ek, 'fs')
            WHEN 'connections' THEN pick([['connection_id','name','headline'],
                                          ['connection_id','name']], ek, 'fs')
            WHEN 'interests' THEN pick([['topics'], ['topics','skills']], ek, 'fs')
            ELSE pick([['newsletters'], ['newsletters','groups']], ek, 'fs') END
         ELSE CASE category
            WHEN 'profile' THEN pick([['name','photo','email','manager','reports'],
                                      ['name','email'], ['name','photo','email']], ek, 'fs')
            WHEN 'calendar' THEN pick([['start','end'], ['start','end','timezone'],
                                       ['start','end','location','attendees'],
                                       ['start','end','timezone','location','attendees',
                                        'organizer'], NULL], ek, 'fs')
            WHEN 'contacts' THEN pick([['name','email'], ['name','email','phone','company']],
                                      ek, 'fs')
            WHEN 'interests' THEN pick([['cortana_interests'], ['bing_topics']], ek, 'fs')
            ELSE ['microsoft_365_plan'] END END AS fields,
    CASE WHEN NOT m2l AND category = 'connections' THEN '1' END AS connection_degree,
    CASE WHEN m2l THEN CASE WHEN rnd(ek, 'app', 100) < 85 THEN 'linkedin' ELSE 'other' END
         ELSE pick(['outlook','outlook','outlook','teams','teams','onedrive','sharepoint',
                    'other'], ek, 'app') END AS app,
    CASE WHEN NOT m2l AND category = 'profile' THEN
        CASE WHEN rv < 70 AND NOT hidden THEN v.user_id
             WHEN rv < 90 THEN e6.user_id END END AS viewer_id,
    sk, se,
    CASE WHEN category = 'contacts' THEN
        CASE WHEN er.r IS NOT NULL THEN er.r + 3600 + rnd(ek, 'cp', 25 * 86400)
             WHEN rnd(ek, 'cpr', 10) = 0 THEN t + 86400 + rnd(ek, 'cpt', 60 * 86400) END
         ELSE se - CASE WHEN rnd(ek, 'pd', 4) = 0 THEN least(rnd(ek, 'pdd', 60), se - t)
                        ELSE 0 END END AS purged,
    src, dst,
    CASE WHEN (is_eea(src) AND dst = 'US') OR (src = 'US' AND is_eea(dst)) THEN
             -- dpf exists only from 2023-07-10 (older dates fall back to scc).
             CASE WHEN rnd(ek, 'mech', 100) < 55 AND t >= getvariable('dpf') THEN 'dpf'
                  WHEN rnd(ek, 'mech', 100) < 90 THEN 'scc' ELSE 'bcr' END
         WHEN (src = 'GB' AND is_eea(dst)) OR (is_eea(src) AND dst = 'GB') THEN 'adequacy'
         END AS transfer_mechanism,
    rnd(ek, 'tz', 100) = 0 AS off
FROM e6
LEFT JOIN bu v ON v.i = e6.vi
LEFT JOIN (SELECT i, r FROM bd WHERE type = 'erasure') er ON er.i = e6.i AND er.r >= e6.t
