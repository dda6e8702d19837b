-- Every record of the load's exports (_xa_all) with its fate, kept in source_events: mapped (a
-- canonical row of `log`), unmapped (not about the integration; detail says why), failed (would
-- map, but its result is not success) or context (a directory role assignment, for actor_role).
-- Activity names are compared in lower case without the trailing period the unified audit log
-- adds ("Add member to group."). The timestamp pattern is the loader's (ingest.TS_WITH_OFFSET).
INSERT INTO source_events (format, path, sha256, file_id, seq, line, pointer, record_id, occurred_at, occurred_text,
    activity, result, actor_id, actor_upn, actor_app_id, user_id, target_upn, group_id, app_ids, role_name,
    admin_consent, status, detail, log, action, actor_role, raw)
SELECT format, path, sha256, NULL, seq, line, pointer, record_id,
       CASE WHEN regexp_full_match(occurred_text, $ts_with_offset) THEN TRY_CAST(occurred_text AS TIMESTAMPTZ) END,
       occurred_text, activity, result, actor_id, actor_upn, actor_app_id,
       CASE m.action WHEN 'connect' THEN coalesce(actor_id, actor_upn)
                     WHEN 'disconnect' THEN coalesce(principal_id, target_user_id, actor_id, actor_upn)
                     ELSE coalesce(target_user_id, target_upn) END,
       target_upn, group_id, app_ids, role_name, admin_consent,
       CASE WHEN m.log IS NULL THEN 'unmapped' WHEN NOT ok THEN 'failed'
            WHEN m.log = 'directory_roles' THEN 'context' ELSE 'mapped' END,
       CASE WHEN m.log IS NOT NULL AND NOT ok THEN 'result: ' || coalesce(result, '(none)') ELSE m.detail END,
       CASE WHEN m.log <> 'directory_roles' THEN m.log END, m.action, NULL, raw
FROM (
  SELECT *, 
CASE
  WHEN key IN ('add member to group', 'remove member from group') THEN
    CASE WHEN CAST($group AS VARCHAR) IS NULL
           THEN {'log': NULL, 'action': NULL, 'detail': 'no LinkedIn group configured (sources.selected_group_id)'}
         WHEN lower(group_id) = CAST($group AS VARCHAR)
           THEN {'log': 'admin_events', 'action': CASE key WHEN 'add member to group' THEN 'group_add' ELSE 'group_remove' END,
                 'detail': NULL}
         ELSE {'log': NULL, 'action': NULL, 'detail': 'not the LinkedIn group'} END
  WHEN key IN ('consent to application', 'remove delegated permission grant') THEN
    CASE WHEN len(CAST($apps AS VARCHAR[])) = 0
           THEN {'log': NULL, 'action': NULL, 'detail': 'no LinkedIn app ids configured (sources.linkedin_app_ids)'}
         WHEN len(list_intersect(list_transform(app_ids, lambda a: lower(trim(a))), CAST($apps AS VARCHAR[]))) = 0
           THEN {'log': NULL, 'action': NULL, 'detail': 'not a LinkedIn app'}
         WHEN key = 'remove delegated permission grant' AND admin_consent
           THEN {'log': NULL, 'action': NULL, 'detail': 'admin consent for the organisation removed, not a user''s own choice'}
         WHEN key = 'remove delegated permission grant'
           THEN {'log': 'consent_events', 'action': 'disconnect', 'detail': NULL}
         WHEN admin_consent
           THEN {'log': NULL, 'action': NULL, 'detail': 'admin consent for the organisation, not a user''s own choice'}
         WHEN actor_id IS NULL AND actor_upn IS NULL
           THEN {'log': NULL, 'action': NULL, 'detail': 'not consented by a user'}
         ELSE {'log': 'consent_events', 'action': 'connect', 'detail': NULL} END
  WHEN key IN ('add member to role', 'remove member from role')
    THEN {'log': 'directory_roles', 'action': CASE key WHEN 'add member to role' THEN 'add' ELSE 'remove' END, 'detail': NULL}
  ELSE {'log': NULL, 'action': NULL, 'detail': 'activity not mapped'}
END AS m
  FROM (SELECT *, lower(trim(regexp_replace(trim(coalesce(activity, '')), '\.$', ''))) AS key,
               coalesce(lower(trim(result)) IN ('success', 'succeeded'), false) AS ok
        FROM _xa_all))
ORDER BY path, seq
