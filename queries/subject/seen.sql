-- Whether a user id absent from the directory is in the logs: then it is still a data subject.
SELECT EXISTS (SELECT 1 FROM consent_events WHERE user_id = $key)
    OR EXISTS (SELECT 1 FROM access_events WHERE user_id = $key)
    OR EXISTS (SELECT 1 FROM dsr_requests WHERE user_id = $key)
    OR EXISTS (SELECT 1 FROM admin_events WHERE target_user_id = $key)
