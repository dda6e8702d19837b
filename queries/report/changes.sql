-- Admin events of the period grouped per actor, day and kind of change (a group's membership
-- changes by the hundred), the first <cap>; <actor_id>, <actor_person>: the actor's id and name
-- (or their pseudonyms).
SELECT CAST(timezone($tz, occurred_at) AS DATE) AS day, {actor_id} AS actor_id,
       {actor_person}, actor_role, action, group_id,
       count(*) AS n, count(DISTINCT target_user_id) AS members, min(occurred_at) AS first
FROM admin_events a WHERE occurred_at >= $start AND occurred_at < $end
GROUP BY ALL ORDER BY day, first, actor_id, action, group_id LIMIT {cap}
