-- The groups of admin events of the period (per actor, day and kind of change), counted.
SELECT count(*) AS n FROM (SELECT DISTINCT CAST(timezone($tz, occurred_at) AS DATE), actor_id, action, group_id
                           FROM admin_events a WHERE occurred_at >= $start AND occurred_at < $end)
