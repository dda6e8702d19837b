-- Admin events of earlier loads whose actor's role the records loaded now change: changed, with
-- their content hash (of the canonical columns in the schema's order, as the loader hashes a
-- row), so that the same event in a later export is their duplicate.
UPDATE admin_events SET actor_role = r.role, _hash = hash(event_id, occurred_at, actor_id, r.role, action, group_id, target_user_id)  -- as ingest hashes a row
FROM _xa_roles r, loaded_files f
WHERE admin_events._file_id = f.file_id AND f.sha256 = r.sha256 AND admin_events._extra ->> 'pointer' = r.pointer
  AND admin_events.actor_role <> r.role
