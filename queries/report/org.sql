-- The organisation's enablement state at as_of.
SELECT state, groups, valid_from FROM org_states WHERE valid_from <= $as_of ORDER BY valid_from DESC LIMIT 1
