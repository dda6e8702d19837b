-- The actor role of every mapped admin event at its time (records.resolve_roles says how).
CREATE OR REPLACE TEMP TABLE _xa_roles AS
  WITH ev AS (
    SELECT sha256, pointer, lower(actor_id) AS id, lower(actor_upn) AS upn, occurred_at
    FROM source_events WHERE status = 'mapped' AND log = 'admin_events'),
  changes AS (
    SELECT lower(user_id) AS id, lower(target_upn) AS upn, role_name, occurred_at, action
    FROM source_events WHERE status = 'context' AND role_name IS NOT NULL AND occurred_at IS NOT NULL
    UNION ALL  -- role_holders: held before the exports begin, so any record of that role comes after
    SELECT who, who, role_name, '-infinity'::TIMESTAMPTZ, 'add' FROM _xa_holders),
  labelled_changes AS (  -- a role is its label: "Company Administrator" and "Global Administrator" are one
    SELECT c.*, coalesce(m.label, trim(regexp_replace(lower(trim(c.role_name)), '[^a-z0-9]+', '_', 'g'), '_')) AS label
    FROM changes c LEFT JOIN _xa_role_map m ON m.name = lower(trim(c.role_name))),
  labelled AS (
    SELECT ev.sha256, ev.pointer, c.label, arg_max(c.action, {'t': c.occurred_at, 'r': c.action = 'remove'}) AS last
    FROM ev JOIN labelled_changes c ON (c.id = ev.id OR c.upn = ev.upn) AND c.occurred_at <= ev.occurred_at
    GROUP BY ALL),
  chosen AS (
    SELECT sha256, pointer,
           arg_min(label, {'rank': coalesce(list_position(CAST($admin_roles AS VARCHAR[]), label), 1000000), 'label': label})
             FILTER (WHERE last = 'add') AS label
    FROM labelled GROUP BY ALL)
  SELECT ev.sha256, ev.pointer,
         CASE WHEN ev.id IS NULL AND ev.upn IS NULL THEN 'application'
              ELSE coalesce(chosen.label, CASE WHEN chosen.sha256 IS NOT NULL THEN 'user' ELSE 'unknown' END) END AS role
  FROM ev LEFT JOIN chosen USING (sha256, pointer)
