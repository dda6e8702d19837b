-- Every id that a consent record of a configured LinkedIn app names beside it (a grant removal
-- often names only the service principal's object id). Only ids (GUIDs) are taken, not the URLs
-- among the service principal names.
SELECT list(DISTINCT lower(trim(id))) FROM (
  SELECT unnest(app_ids) AS id FROM (
    SELECT app_ids, activity FROM source_events UNION ALL SELECT app_ids, activity FROM _xa_all)
  WHERE lower(trim(regexp_replace(trim(coalesce(activity, '')), '\.$', ''))) = 'consent to application'
    AND len(list_intersect(list_transform(app_ids, lambda a: lower(trim(a))), CAST($apps AS VARCHAR[]))) > 0)
WHERE regexp_full_match(trim(id), $guid)
