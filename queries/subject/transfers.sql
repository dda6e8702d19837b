-- The routes the person's data took up to as_of, and under which transfer mechanism.
SELECT source_region, destination_region, transfer_mechanism, count(*) AS n,
       coalesce(eea_us_transfer(source_region, destination_region), false) AS eea_us
FROM query_table($table) WHERE occurred_at <= CAST($as_of AS TIMESTAMPTZ)
GROUP BY ALL
ORDER BY n DESC, source_region NULLS LAST, destination_region NULLS LAST, transfer_mechanism NULLS LAST
