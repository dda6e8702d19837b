-- One control's findings (<control_sql>: its query, as the engine runs it) kept in a run, each
-- row once, with its waiver (the first in force for its control and event or user) and whether
-- it arose in the period. <columns>, <f_columns>: the finding's columns (FINDING_COLUMNS).
-- $carried: whether the control's findings may be carried over from before $since.
INSERT INTO findings (run_id, control, severity, {columns}, waiver, in_period)
SELECT $run_id, $control, $severity, {f_columns},
       (SELECT w.waiver FROM _waivers w WHERE w.control = $control
          AND (w.event_id = f.event_id OR w.user_id = f.user_id) ORDER BY w.n LIMIT 1),
       CAST($period_start AS TIMESTAMPTZ) IS NULL OR f.arose_at >= $period_start
FROM (SELECT DISTINCT ON (source, event_id) {columns}
      FROM ({control_sql})
      WHERE CAST($period_end AS TIMESTAMPTZ) IS NULL OR arose_at < $period_end
      ORDER BY source, event_id, arose_at, occurred_at, reason, user_id) f
WHERE CAST($since AS TIMESTAMPTZ) IS NULL OR f.arose_at >= $since OR $carried
