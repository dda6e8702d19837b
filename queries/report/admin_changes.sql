-- Every admin event of the period, one row each; <actor_id>, <actor_person>, <target_id>,
-- <target_person>: the ids and names of the actor and the member (or their pseudonyms);
-- <occurred_at>: the time as ISO 8601 text (db.iso_sql).
SELECT {occurred_at} AS occurred_at, event_id, action, group_id,
       {actor_id} AS actor_id, {actor_person}, actor_role,
       {target_id} AS target_user_id, {target_person}
FROM admin_events a WHERE occurred_at >= $start AND occurred_at < $end
ORDER BY a.occurred_at, event_id, _file_id, _line
