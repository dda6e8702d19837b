-- Recipients of the person's data by kind and number only: never who they are.
SELECT direction, count(*) AS n,
       count(*) FILTER (WHERE viewer_id = user_id) AS self,
       count(*) FILTER (WHERE viewer_id <> user_id) AS others,
       count(DISTINCT viewer_id) FILTER (WHERE viewer_id <> user_id) AS other_people,
       count(*) FILTER (WHERE viewer_id IS NULL) AS no_viewer
FROM query_table($table) WHERE occurred_at <= CAST($as_of AS TIMESTAMPTZ)
GROUP BY direction ORDER BY direction
