-- id: admin-authority
-- title: Only administrators change the integration's setting
-- severity: medium
-- articles: 5(2), 32
-- promise: Only an Azure AD administrator manages the integration's setting for the organisation.
-- description: Every change of the setting, the selected group or the announcement is made by an actor in one of the configured administrator roles.
-- remediation: Review who holds the right to change the LinkedIn account connections setting and the selected group; remove it from other roles.
-- requires: admin_events
SELECT 'admin_events' AS source, event_id, actor_id AS user_id, occurred_at, occurred_at AS arose_at,
       'The ' || action || ' at ' || fmt_ts(occurred_at) || ' was made by ' || actor_id || ' with role '
       || actor_role || ', which is not an administrator role allowed to manage the integration.' AS reason
FROM admin_events
WHERE occurred_at <= $as_of AND NOT list_contains($admin_roles, actor_role)
