-- The person's access events for the JSON export, from their copy (subject.access_table), the
-- canonical columns in the log's order. Another person's id never leaves: of viewer_id only the
-- person's own viewing is kept, and viewed_by_other says whether someone else viewed.
SELECT event_id, occurred_at, user_id, direction, category, fields, connection_degree, app,
       CASE WHEN viewer_id = user_id THEN viewer_id END AS viewer_id,
       coalesce(viewer_id <> user_id, false) AS viewed_by_other,
       session_id, session_end, purged_at, source_region, destination_region, transfer_mechanism
FROM query_table($table)
ORDER BY occurred_at, event_id, _file_id, _line
