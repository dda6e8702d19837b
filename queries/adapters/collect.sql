-- Add the records an adapter left in _xa_src to _xa_all.
INSERT INTO _xa_all SELECT $format, $path, $sha, $read, seq, line, pointer, raw, record_id, occurred_text, activity, result, actor_id, actor_upn, actor_app_id, target_user_id, target_upn, group_id, app_ids, role_name, admin_consent, principal_id FROM _xa_src
