-- The latest dated row that will be loaded: the planted anchor must be it (as_of of the answer key).
SELECT max(s) FROM (
    SELECT _sec AS s FROM f_admin_events WHERE _reject IS NULL
    UNION ALL SELECT _sec FROM f_consent_events WHERE _reject IS NULL
    UNION ALL SELECT _sec FROM ba
    UNION ALL SELECT _sec FROM p_access_events WHERE _reject IS NULL
    UNION ALL SELECT _sec FROM f_dsr_requests WHERE _reject IS NULL)
