-- The admin events of the changes the snapshots of one file show: each change between consecutive
-- snapshots (over every snapshot loaded, so a month's first snapshot is compared with the previous
-- month's last) at the later snapshot's taken_at, actor 'snapshot', with the later snapshot's line.
CREATE TEMP TABLE _stage AS
WITH s AS (
  SELECT taken_at, value, taken_by, _file_id, _line,
         CASE WHEN value IN ('yes', '0') THEN 'enable_all' WHEN value IN ('selected_group', '4') THEN 'enable_group'
              ELSE 'disable' END AS action,
         CASE WHEN value IN ('selected_group', '4') THEN group_id END AS group_id
  FROM linkedin_setting_snapshots),
c AS (
  SELECT *, lag(taken_at) OVER w AS prev_at, lag(value) OVER w AS prev_value, lag(action) OVER w AS prev_action,
         lag(group_id) OVER w AS prev_group
  FROM s WINDOW w AS (ORDER BY taken_at, _file_id, _line))
SELECT row_number() OVER (ORDER BY taken_at, _line) AS _ord, _line AS _src_line,
       json_object('previous', {'taken_at': prev_at, 'value': prev_value, 'group_id': prev_group},
                   'current', {'taken_at': taken_at, 'value': value, 'group_id': group_id, 'taken_by': taken_by}) AS _raw,
       json_object('source', 'linkedin_snapshots', 'previous_taken_at', prev_at, 'previous_value', prev_value,
                   'value', value, 'taken_by', taken_by) AS _x,
       'snapshot-' || strftime(taken_at, '%Y-%m-%dT%H:%M:%SZ') AS event_id,
       strftime(taken_at, '%Y-%m-%dT%H:%M:%S.%fZ') AS occurred_at,
       'snapshot' AS actor_id, $role AS actor_role, action, group_id, NULL AS target_user_id
FROM c
WHERE _file_id = $file_id AND prev_action IS NOT NULL
  AND (action <> prev_action OR group_id IS DISTINCT FROM prev_group)
