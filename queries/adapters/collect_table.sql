-- The records of this load (_xa_all): the columns an adapter leaves in _xa_src, with the export
-- they came from and the order in which it was read.
CREATE TEMP TABLE IF NOT EXISTS _xa_all AS
SELECT ''::VARCHAR AS format, ''::VARCHAR AS path, ''::VARCHAR AS sha256, 0 AS read, seq, line, pointer, raw, record_id, occurred_text, activity, result, actor_id, actor_upn, actor_app_id, target_user_id, target_upn, group_id, app_ids, role_name, admin_consent, principal_id
FROM _xa_src LIMIT 0
