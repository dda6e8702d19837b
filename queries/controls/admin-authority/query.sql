SELECT 'admin_events' AS source, event_id, actor_id AS user_id, occurred_at, occurred_at AS arose_at,
       'The ' || action || ' at ' || fmt_ts(occurred_at) || ' was made by ' || actor_id || ' with role '
       || actor_role || ', which is not an administrator role allowed to manage the integration.' AS reason
FROM admin_events
WHERE occurred_at <= $as_of AND NOT list_contains($admin_roles, actor_role)
