-- id: allowed-categories
-- title: Only the promised categories of data flow in each direction
-- severity: high
-- articles: 5(1)(c)
-- promise: LinkedIn gives Microsoft profile, interests, subscriptions and first-degree connections; Microsoft gives LinkedIn profile, calendar, interests, subscriptions and contacts.
-- description: Every access event carries a category of data allowed for its direction.
-- remediation: Stop the flow of this category in this direction; it is not part of what users consented to.
-- requires: access_events
SELECT 'access_events' AS source, event_id, user_id, occurred_at, occurred_at AS arose_at,
       describe_access(category, user_id, direction, occurred_at)
       || ', but ' || category || ' data is not among the data allowed to flow in that direction.' AS reason
FROM access_events
WHERE occurred_at <= $as_of AND NOT category_allowed(direction, category)
