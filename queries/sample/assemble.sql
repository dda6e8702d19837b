-- One view per log (f_<log>): the formatted background rows and the planted rows (p_<log>,
-- registered from Python).
CREATE TEMP VIEW f_users AS
SELECT user_id,
    strip_accents(lower(replace(replace(display_name, ' ', '.'), '''', '')))
        || CASE WHEN name_rank > 1 THEN name_rank::VARCHAR ELSE '' END
        || '@contoso.com' AS email,
    display_name, country, i AS _k, 0::BIGINT AS _sec, NULL::VARCHAR AS _reject
FROM bu
UNION ALL
SELECT user_id, email, display_name, country, _k, _sec, _reject FROM p_users;

CREATE TEMP VIEW f_admin_events AS
SELECT masked_id('ad-', _k, getvariable('mask_ad')) AS event_id, tsz(_sec) AS occurred_at, actor_id,
    role AS actor_role, action, group_id, target_user_id, _sec, _k,
    NULL::VARCHAR AS _reject
FROM badm
UNION ALL
SELECT event_id, occurred_at, actor_id, actor_role, action, group_id, target_user_id,
    _sec, _k, _reject FROM p_admin_events;

CREATE TEMP VIEW f_consent_events AS
SELECT masked_id('ce-', _k, getvariable('mask_ce')) AS event_id, tsf(_sec, off) AS occurred_at,
    user_id, action, scope, surface, notice_version, _sec, _k, NULL::VARCHAR AS _reject
FROM bcon
UNION ALL
SELECT event_id, occurred_at, user_id, action, scope, surface, notice_version,
    _sec, _k, _reject FROM p_consent_events;

CREATE TEMP VIEW f_access_events AS
SELECT masked_id('ae-', _k, getvariable('mask_ae')) AS event_id, tsf(_sec, off) AS occurred_at,
    user_id, direction, category, fields, connection_degree, app, viewer_id,
    masked_id('ses-', sk, getvariable('mask_ae')) AS session_id,
    tsf(se, off) AS session_end, tsf(purged, off) AS purged_at,
    src AS source_region, dst AS destination_region, transfer_mechanism,
    _sec, _k, NULL::VARCHAR AS _reject
FROM ba
UNION ALL
SELECT event_id, occurred_at, user_id, direction, category, fields,
    connection_degree, app, viewer_id, session_id, session_end, purged_at,
    source_region, destination_region, transfer_mechanism, _sec, _k, _reject
FROM p_access_events;

CREATE TEMP VIEW f_dsr_requests AS
SELECT 'DSR-' || strftime(make_timestamp(r * 1000000), '%Y') || '-'
        || lpad(n::VARCHAR, 5, '0') AS request_id,
    user_id, type, scope, tsz(r) AS received_at, extended,
    tsz(completed) AS completed_at, r AS _sec, i AS _k, NULL::VARCHAR AS _reject
FROM (SELECT *, row_number() OVER (ORDER BY r, i) AS n FROM bd)
UNION ALL
SELECT request_id, user_id, type, scope, received_at, extended, completed_at,
    _sec, _k, _reject FROM p_dsr_requests
