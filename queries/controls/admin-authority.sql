-- id: admin-authority
-- title: Only administrators change the integration's setting
-- severity: medium
-- articles: 5(2), 32
-- promise: 1
-- requires: admin_events
-- description: An Azure AD administrator enables the integration for the organisation or a group; changes by anyone else show that access to the setting is not controlled.
-- remediation: Review who holds the right to change the LinkedIn account connections setting and the selected group; remove it from other roles.
SELECT 'admin_events' AS source, event_id, actor_id AS user_id, occurred_at, occurred_at AS arose_at,
       'The ' || action || ' at ' || fmt_ts(occurred_at) || ' was made by ' || actor_id || ' with role '
       || actor_role || ', which is not an administrator role allowed to manage the integration.' AS reason
FROM admin_events
WHERE occurred_at <= $as_of AND NOT list_contains($admin_roles, actor_role)
