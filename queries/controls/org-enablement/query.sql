WITH intervals AS (
    SELECT valid_from, lead(valid_from) OVER (ORDER BY valid_from) AS valid_to, state, groups FROM org_states),
-- The last moment judged: as_of, or earlier the end of the last interval not enabled for
-- everyone (the first change, when every interval is). Nothing dated later can be a finding, so
-- the logs' later rows are not read: DuckDB skips them by their row groups' dates. With no change
-- at all, or such an interval still open, every row up to as_of is read (least and greatest skip
-- NULLs).
bound AS (
    SELECT least($as_of, greatest(min(valid_from), max(CASE WHEN state <> 'all' THEN coalesce(valid_to, $as_of) END))) AS until
    FROM intervals),
-- Read once per use below, never held: the events of a year would take gigabytes.
subjects AS NOT MATERIALIZED (
    SELECT 'access_events' AS source, event_id, user_id, occurred_at, _hash, category, direction
    FROM access_events WHERE occurred_at <= (SELECT until FROM bound)
    UNION ALL
    SELECT 'consent_events', event_id, user_id, occurred_at, _hash, NULL, NULL
    FROM consent_events WHERE action = 'connect' AND occurred_at <= (SELECT until FROM bound)),
-- Only what happened before the first change, or while disabled or enabled for a group, can be a
-- finding; joining those few intervals avoids sorting every event by time.
org AS (
    SELECT s.*, i.state, i.groups FROM subjects s
    JOIN intervals i ON s.occurred_at >= i.valid_from AND (i.valid_to IS NULL OR s.occurred_at < i.valid_to)
    WHERE i.state <> 'all'
    UNION ALL
    SELECT s.*, NULL, NULL FROM subjects s, (SELECT min(valid_from) AS first FROM org_states) f
    WHERE f.first IS NULL OR s.occurred_at < f.first),
group_checks AS (
    SELECT source, _hash, bool_and(coalesce(m.member, false)) AS member
    FROM (SELECT source, _hash, user_id, occurred_at, unnest(groups) AS group_id FROM org WHERE state = 'group') g
    ASOF LEFT JOIN memberships m
        ON g.user_id = m.user_id AND g.group_id = m.group_id AND g.occurred_at >= m.valid_from
    GROUP BY source, _hash)
SELECT org.source, org.event_id, org.user_id, org.occurred_at, org.occurred_at AS arose_at,
       CASE WHEN org.source = 'access_events' THEN describe_access(org.category, org.user_id, org.direction, org.occurred_at)
            ELSE org.user_id || ' connected their accounts at ' || fmt_ts(org.occurred_at) END
       || ', but the integration was not enabled for ' || org.user_id || ': '
       || CASE WHEN org.state IS NULL THEN 'it had never been enabled.'
               WHEN org.state = 'disabled' THEN 'it was disabled for the organisation.'
               ELSE 'it was enabled only for group ' || array_to_string(org.groups, ' and ')
                    || ', of which ' || org.user_id || ' was not a member.' END AS reason
FROM org LEFT JOIN group_checks g USING (source, _hash)
WHERE org.state IS NULL OR org.state = 'disabled' OR (org.state = 'group' AND NOT g.member)
