-- A Microsoft Graph directory-audit export's records (_xa_records) as _xa_src
-- (records.SRC_COLUMNS): each record parsed (keys in lower case, <keys>, to the shape $shape).
-- Filled in by graph.stage: <mods_...>: the fields read from the modified properties;
-- <app_id_name>: the names of an app-id detail.
CREATE OR REPLACE TEMP TABLE _xa_src AS
WITH f AS (
  SELECT seq, line, pointer, raw, from_json({keys}, $shape) AS r
  FROM (SELECT seq, line, pointer, CAST(rec AS VARCHAR) AS raw FROM _xa_records)),
g AS (
  SELECT *,
         list_transform(r.targetresources, lambda t: {{
             'type': lower(xa_blank(t.type)), 'id': xa_blank(t.id), 'name': xa_blank(t.displayname),
             'upn': xa_blank(t.userprincipalname)}}) AS targets,
         flatten(list_transform(r.targetresources, lambda t: list_transform(t.modifiedproperties, lambda p: {{
             'name': lower(xa_blank(p.displayname)), 'old': xa_decode(p.oldvalue), 'new': xa_decode(p.newvalue)}}))) AS mods
  FROM f)
SELECT seq, line, pointer, raw,
       xa_blank(r.id) AS record_id,
       xa_time(xa_blank(r.activitydatetime)) AS occurred_text,
       xa_blank(r.activitydisplayname) AS activity,
       xa_blank(r.result) AS result,
       xa_blank(r.initiatedby.user.id) AS actor_id,
       xa_blank(r.initiatedby.user.userprincipalname) AS actor_upn,
       coalesce(xa_blank(r.initiatedby.app.appid), xa_blank(r.initiatedby.app.serviceprincipalid)) AS actor_app_id,
       list_filter(targets, lambda t: t.type = 'user')[1].id AS target_user_id,
       list_filter(targets, lambda t: t.type = 'user')[1].upn AS target_upn,
       coalesce(list_filter(targets, lambda t: t.type = 'group')[1].id, {mods_group_id}) AS group_id,
       list_distinct(list_filter(flatten([
           coalesce(list_transform(list_filter(targets, lambda t: t.type IN ('serviceprincipal', 'application')), lambda t: t.id), []),
           coalesce({mods_app_ids}, []),
           coalesce(list_transform(list_filter(r.additionaldetails, lambda d: {app_id_name}),
                                   lambda d: d.value), [])]),
         lambda x: x IS NOT NULL AND trim(x) <> '')) AS app_ids,
       coalesce(list_filter(targets, lambda t: t.type = 'role')[1].name, {mods_role_name}) AS role_name,
       coalesce({mods_admin_consent}, false) AS admin_consent,
       {mods_principal_id} AS principal_id
FROM g
