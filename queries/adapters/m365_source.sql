-- A Microsoft 365 audit-log CSV export's records (_xa_rows) as _xa_src (records.SRC_COLUMNS): its
-- AuditData parsed (keys in lower case, <keys>, to the shape $shape). Filled in by m365.stage:
-- <audit>, <operation>, <record_id>: the export's columns (c0, c1, ...; NULL when absent);
-- <details>: the additional details; <ts_naive>: the pattern of a time without offset;
-- <user>, <sp>: whether an actor or target id names a user or a service principal;
-- <mods_...>: the fields read from the modified properties; <app_id_name>: the names of an
-- app-id detail.
CREATE OR REPLACE TEMP TABLE _xa_src AS
WITH f AS (
  SELECT _ord AS seq, _line AS line, 'line ' || _line AS pointer, {audit} AS raw,
         from_json({keys}, $shape) AS r,
         xa_blank({operation}) AS operation_column, xa_blank({record_id}) AS record_id_column
  FROM _xa_rows),
g AS (
  SELECT *, xa_time(xa_blank(r.creationtime)) AS created,
         list_transform(r.actor, lambda a: {{'id': xa_blank(a.id), 'type': xa_blank(a.type)}}) AS actors,
         list_transform(r.target, lambda a: {{'id': xa_blank(a.id), 'type': xa_blank(a.type)}}) AS targets,
         list_transform(r.modifiedproperties, lambda p: {{
             'name': lower(xa_blank(p.name)), 'old': xa_decode(p.oldvalue), 'new': xa_decode(p.newvalue)}}) AS mods,
         {details} AS details
  FROM f)
SELECT seq, line, pointer, raw,
       coalesce(xa_blank(r.id), record_id_column) AS record_id,
       CASE WHEN regexp_full_match(created, '{ts_naive}') THEN created || 'Z' ELSE created END AS occurred_text,
       coalesce(xa_blank(r.operation), operation_column) AS activity,
       xa_blank(r.resultstatus) AS result,
       list_transform(list_filter(actors, lambda a: {user}), lambda a: a.id[6:])[1] AS actor_id,
       coalesce(list_filter(actors, lambda a: a.type = '5')[1].id,
                CASE WHEN contains(r.userid, '@') THEN xa_blank(r.userid) END) AS actor_upn,
       list_transform(list_filter(actors, lambda a: {sp}), lambda a: a.id[18:])[1] AS actor_app_id,
       list_transform(list_filter(targets, lambda a: {user}), lambda a: a.id[6:])[1] AS target_user_id,
       list_filter(targets, lambda a: a.type = '5')[1].id AS target_upn,
       coalesce(list_transform(list_filter(targets, lambda a: lower(a.id) LIKE 'group\_%' ESCAPE '\'),
                               lambda a: a.id[7:])[1], {mods_group_id}) AS group_id,
       list_distinct(list_filter(flatten([
           coalesce(list_transform(list_filter(targets, lambda a: a.type IN ('2', '4')
                                               AND lower(a.id) NOT IN ('serviceprincipal', 'user', 'group', 'role')),
                                   lambda a: CASE WHEN {sp} THEN a.id[18:] ELSE a.id END), []),
           coalesce({mods_app_ids}, []),
           coalesce(list_transform(list_filter(details, lambda d: {app_id_name}), lambda d: d.value), [])]),
         lambda x: x IS NOT NULL AND trim(x) <> '')) AS app_ids,
       {mods_role_name} AS role_name,
       coalesce({mods_admin_consent}, false) AS admin_consent,
       {mods_principal_id} AS principal_id
FROM g
