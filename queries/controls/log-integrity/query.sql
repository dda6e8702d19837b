WITH rows AS NOT MATERIALIZED (
    SELECT 'access_events' AS source, event_id, user_id, occurred_at, session_end, source_region, destination_region FROM access_events
    UNION ALL SELECT 'consent_events', event_id, user_id, occurred_at, NULL, NULL, NULL FROM consent_events
    UNION ALL SELECT 'admin_events', event_id, actor_id, occurred_at, NULL, NULL, NULL FROM admin_events
    UNION ALL SELECT 'dsr_requests', request_id, user_id, received_at, NULL, NULL, NULL FROM dsr_requests),
-- The loader never keeps two rows with the same content, so an id on two rows of one log has
-- two versions. Grouping each log on its own is cheaper than grouping the union. access_events
-- holds millions of ids: its candidates are the ids in access_versions (those with more than
-- one row: kept by the loader, or computed from the rows where no loader kept it, a lake), and
-- grouping their rows decides (a period's rows hold every version of their ids).
repeated AS (
    SELECT 'access_events' AS source, event_id, min(user_id) AS user_id, min(occurred_at) AS occurred_at, count(*) AS n
    FROM access_events
    WHERE event_id IN (SELECT event_id FROM access_versions)
    GROUP BY event_id HAVING count(*) > 1
    UNION ALL SELECT 'consent_events', event_id, min(user_id), min(occurred_at), count(*)
    FROM consent_events GROUP BY event_id HAVING count(*) > 1
    UNION ALL SELECT 'admin_events', event_id, min(actor_id), min(occurred_at), count(*)
    FROM admin_events GROUP BY event_id HAVING count(*) > 1
    UNION ALL SELECT 'dsr_requests', request_id, min(user_id), min(received_at), count(*)
    FROM dsr_requests GROUP BY request_id HAVING count(*) > 1),
-- The problems of a single row, each told once, on one read of each log; the rows with any of
-- them are kept (a few). A user is unknown only when the users directory was loaded.
flagged AS (
    SELECT * FROM (
        SELECT r.*, r.session_end < r.occurred_at AS ended_before, r.occurred_at > $as_of AS after_as_of,
               r.source <> 'admin_events' AND u.user_id IS NULL
               AND (SELECT count(*) FROM loaded_files WHERE log = 'users') > 0 AS unknown_user,
               r.source = 'access_events' AND (r.source_region IS NULL OR r.destination_region IS NULL) AS no_region
        FROM rows r LEFT JOIN (SELECT DISTINCT user_id FROM users) u ON u.user_id = r.user_id)
    WHERE ended_before OR after_as_of OR unknown_user OR no_region),
problems AS (
    SELECT source, event_id, user_id, occurred_at,
           'The id ' || event_id || ' appears ' || n || ' times in ' || source || ' with different content.' AS reason
    FROM repeated
    UNION ALL
    SELECT source, event_id, user_id, occurred_at,
           'The session of ' || event_id || ' ended at ' || fmt_ts(session_end) || ', before the access itself at ' || fmt_ts(occurred_at) || '.'
    FROM flagged WHERE ended_before
    UNION ALL
    SELECT source, event_id, user_id, occurred_at,
           'The row ' || event_id || ' in ' || source || ' is dated ' || fmt_ts(occurred_at) || ', after the audit moment ' || fmt_ts($as_of) || '.'
    FROM flagged WHERE after_as_of
    UNION ALL
    SELECT source, event_id, user_id, occurred_at,
           'The row ' || event_id || ' in ' || source || ' names user ' || user_id || ', who is not in the users directory.'
    FROM flagged WHERE unknown_user
    UNION ALL
    SELECT source, event_id, user_id, occurred_at,
           'The access ' || event_id || ' has no recorded ' || CASE WHEN source_region IS NULL AND destination_region IS NULL THEN 'source or destination region'
                                                                 WHEN source_region IS NULL THEN 'source region' ELSE 'destination region' END
           || ', so its transfer cannot be judged.'
    FROM flagged WHERE no_region
    UNION ALL
    -- A change derived from two setting snapshots (auditor/adapters/snapshots.py) needs an audit
    -- record of the same change between them; the finding names the derived event.
    SELECT 'admin_events', a.event_id, a.actor_id, a.occurred_at,
           'The LinkedIn account connections setting changed between the snapshots of ' || fmt_ts(p.taken_at) || ' and '
           || fmt_ts(a.occurred_at) || ' (to ' || CASE a.action WHEN 'enable_all' THEN 'enabled for everyone'
                                                      WHEN 'enable_group' THEN 'enabled for group ' || a.group_id
                                                      ELSE 'disabled' END
           || ') with no audit record of the change.'
    FROM admin_events a
    JOIN loaded_files f ON f.file_id = a._file_id AND f.format = 'linkedin_snapshots'
    ASOF JOIN linkedin_setting_snapshots p ON p.taken_at < a.occurred_at
    WHERE a.occurred_at <= $as_of AND NOT EXISTS (
        SELECT 1 FROM admin_events b JOIN loaded_files g ON g.file_id = b._file_id AND g.format <> 'linkedin_snapshots'
        WHERE b.action = a.action AND b.occurred_at > p.taken_at AND b.occurred_at <= a.occurred_at
          AND (a.action <> 'enable_group' OR b.group_id = a.group_id)))
SELECT source, event_id, min(user_id) AS user_id, min(occurred_at) AS occurred_at, min(occurred_at) AS arose_at,
       string_agg(reason, ' ' ORDER BY reason) AS reason
FROM problems
GROUP BY source, event_id
