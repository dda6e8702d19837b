-- The mapped rows of one export for one log, staged for the loader's own check and keep
-- steps, with the canonical columns of both logs the audit-log exports map to (the loader reads
-- those of its log). A twin (source_twins) takes the canonical values of the record it is the twin
-- of, so it is that row's duplicate; its line, raw text and provenance stay its own.
CREATE TEMP TABLE _stage AS
SELECT row_number() OVER (ORDER BY own.seq) AS _ord, own.line AS _src_line, own.raw AS _raw,
       json_object('source', own.format, 'pointer', own.pointer, 'record_id', own.record_id, 'activity', own.activity,
                   'actor_upn', own.actor_upn, 'user_upn', own.target_upn) AS _x,
       record_id AS "event_id", occurred_text AS "occurred_at", action AS "action",
       -- admin_events
       coalesce(actor_id, actor_upn, actor_app_id) AS "actor_id", actor_role AS "actor_role", group_id AS "group_id",
       user_id AS "target_user_id",
       -- consent_events
       user_id AS "user_id", CASE WHEN action = 'connect' THEN $scope END AS "scope", NULL AS "surface",
       NULL AS "notice_version"
FROM (
  SELECT s AS own, unnest(CASE WHEN p.sha256 IS NULL THEN s ELSE p END)
  FROM source_events s
  LEFT JOIN source_twins t ON t.sha256 = s.sha256 AND t.pointer = s.pointer
  LEFT JOIN source_events p ON p.sha256 = t.of_sha256 AND p.pointer = t.of_pointer
  WHERE s.sha256 = $sha AND s.status = 'mapped' AND s.log = $log)
