-- id: org-enablement
-- title: Users connect and data flows only where the organisation enabled the integration
-- severity: high
-- articles: 5(1)(a)
-- promise: An Azure AD administrator enables the integration for the whole organisation or for a selected group of users, and can disable it.
-- requires: admin_events
-- description: Every connect and every access event happens while the integration is enabled for that user: enabled for all, or for a selected group the user is a member of.
-- remediation: Check the LinkedIn account connections setting and the selected group's membership; stop flows for users outside it.
WITH subjects AS (
    SELECT 'access_events' AS source, event_id, user_id, occurred_at, _hash,
           describe_access(category, user_id, direction, occurred_at) AS what
    FROM access_events WHERE occurred_at <= $as_of
    UNION ALL
    SELECT 'consent_events', event_id, user_id, occurred_at, _hash,
           user_id || ' connected their accounts at ' || fmt_ts(occurred_at)
    FROM consent_events WHERE action = 'connect' AND occurred_at <= $as_of),
org AS (
    SELECT s.*, o.state, o.groups
    FROM subjects s ASOF LEFT JOIN org_states o ON s.occurred_at >= o.valid_from),
group_checks AS (
    SELECT source, _hash, bool_and(coalesce(m.member, false)) AS member
    FROM (SELECT source, _hash, user_id, occurred_at, unnest(groups) AS group_id FROM org WHERE state = 'group') g
    ASOF LEFT JOIN memberships m
        ON g.user_id = m.user_id AND g.group_id = m.group_id AND g.occurred_at >= m.valid_from
    GROUP BY source, _hash)
SELECT org.source, org.event_id, org.user_id, org.occurred_at, org.occurred_at AS arose_at,
       org.what || ', but the integration was not enabled for ' || org.user_id || ': '
       || CASE WHEN org.state IS NULL THEN 'it had never been enabled.'
               WHEN org.state = 'disabled' THEN 'it was disabled for the organisation.'
               ELSE 'it was enabled only for group ' || array_to_string(org.groups, ' and ')
                    || ', of which ' || org.user_id || ' was not a member.' END AS reason
FROM org LEFT JOIN group_checks g USING (source, _hash)
WHERE org.state IS NULL OR org.state = 'disabled' OR (org.state = 'group' AND NOT g.member)
