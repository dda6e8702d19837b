-- The mapped admin events' roles, in source_events.
UPDATE source_events SET actor_role = r.role FROM _xa_roles r
WHERE source_events.sha256 = r.sha256 AND source_events.pointer = r.pointer AND source_events.actor_role IS DISTINCT FROM r.role
