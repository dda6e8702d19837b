-- Shared definitions of controls.md, written once and used by every control that needs them.
-- State views hold one row per instant at which a state changed ("valid_from"); a control finds
-- the state at time t with an ASOF join on valid_from <= t, so an event at exactly the instant
-- of a change sees the new state (ties: a connect, enable or group_add covers an event at its
-- instant; a disconnect, disable or group_remove does not). Events of one kind at one instant
-- are collapsed so that the one that allows less wins.

-- Timestamps and durations in reasons, in the words of a compliance officer.
CREATE OR REPLACE MACRO fmt_ts(t) AS strftime(t, '%Y-%m-%d %H:%M UTC');
CREATE OR REPLACE MACRO fmt_duration(seconds) AS
    CASE WHEN seconds >= 86400 THEN CAST(floor(seconds / 86400) AS BIGINT) || ' days ' || CAST(floor((seconds % 86400) / 3600) AS BIGINT) || ' h'
         WHEN seconds >= 3600 THEN CAST(floor(seconds / 3600) AS BIGINT) || ' h ' || CAST(floor((seconds % 3600) / 60) AS BIGINT) || ' min'
         WHEN seconds >= 60 THEN CAST(floor(seconds / 60) AS BIGINT) || ' min'
         ELSE CAST(floor(seconds) AS BIGINT) || ' s' END;

-- The EEA: the 27 EU member states, Iceland, Liechtenstein, Norway, and the code EU.
CREATE OR REPLACE MACRO is_eea(country) AS country IN (
    'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV',
    'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO', 'EU');

-- A transfer between the EEA and the United States, either way.
CREATE OR REPLACE MACRO eea_us_transfer(source_region, destination_region) AS
    (is_eea(source_region) AND destination_region = 'US') OR (source_region = 'US' AND is_eea(destination_region));

-- When a data-subject request must be answered: one calendar month after receipt, three when
-- extended (GDPR Art. 12(3)).
CREATE OR REPLACE MACRO dsr_deadline(received_at, extended) AS
    received_at + CASE WHEN extended THEN INTERVAL 3 MONTH ELSE INTERVAL 1 MONTH END;

-- Which categories may flow in which direction (promise 6).
CREATE OR REPLACE MACRO category_allowed(direction, category) AS
    (direction = 'linkedin_to_microsoft' AND category IN ('profile', 'interests', 'subscriptions', 'connections'))
    OR (direction = 'microsoft_to_linkedin' AND category IN ('profile', 'calendar', 'interests', 'subscriptions', 'contacts'));

-- Consent state of each user from each connect/disconnect instant on. Never connected at t:
-- no row at or before t, or ever_connected false (only disconnects so far).
CREATE OR REPLACE VIEW consent_states AS
WITH instants AS (
    SELECT user_id, occurred_at AS valid_from,
           bool_or(action = 'disconnect') AS any_disconnect,
           bool_or(action = 'connect') AS any_connect,
           CASE WHEN bool_or(action = 'connect' AND scope = 'linkedin_only') THEN 'linkedin_only'
                ELSE 'bidirectional' END AS connect_scope
    FROM consent_events
    WHERE action IN ('connect', 'disconnect')
    GROUP BY user_id, occurred_at)
SELECT user_id, valid_from,
       CASE WHEN any_disconnect THEN 'disconnected' ELSE 'connected' END AS state,
       CASE WHEN NOT any_disconnect THEN connect_scope END AS scope,
       bool_or(any_connect) OVER (PARTITION BY user_id ORDER BY valid_from ROWS UNBOUNDED PRECEDING) AS ever_connected
FROM instants;

-- Visibility choice of each user (hide wins a tie); visible when there is none.
CREATE OR REPLACE VIEW visibility_states AS
SELECT user_id, occurred_at AS valid_from,
       CASE WHEN bool_or(action = 'hide_profile') THEN 'hidden' ELSE 'visible' END AS visibility
FROM consent_events
WHERE action IN ('hide_profile', 'show_profile')
GROUP BY user_id, occurred_at;

-- Organisation setting from each change on: all, group (members of every listed group), disabled.
CREATE OR REPLACE VIEW org_states AS
SELECT occurred_at AS valid_from,
       CASE WHEN bool_or(action = 'disable') THEN 'disabled'
            WHEN bool_or(action = 'enable_group') THEN 'group'
            ELSE 'all' END AS state,
       list(DISTINCT group_id ORDER BY group_id) FILTER (WHERE action = 'enable_group') AS groups
FROM admin_events
WHERE action IN ('enable_all', 'enable_group', 'disable')
GROUP BY occurred_at;

-- Membership of each user in each group from each change on (a removal wins a tie).
CREATE OR REPLACE VIEW memberships AS
SELECT target_user_id AS user_id, group_id, occurred_at AS valid_from,
       NOT bool_or(action = 'group_remove') AS member
FROM admin_events
WHERE action IN ('group_add', 'group_remove')
GROUP BY target_user_id, group_id, occurred_at;

-- "calendar data of u1 flowed from Microsoft to LinkedIn at 2026-10-03 14:05 UTC"
CREATE OR REPLACE MACRO describe_access(category, user_id, direction, t) AS
    upper(substr(category, 1, 1)) || substr(category, 2) || ' data of ' || user_id || ' flowed '
    || CASE direction WHEN 'linkedin_to_microsoft' THEN 'from LinkedIn to Microsoft' ELSE 'from Microsoft to LinkedIn' END
    || ' at ' || fmt_ts(t);

-- The same states as spells [valid_from, valid_to): joining events to the few spells that can
-- hold a finding (on user_id, then the time range) is a hash join, where an ASOF join would
-- sort every event.
CREATE OR REPLACE VIEW consent_spells AS
SELECT *, lead(valid_from) OVER (PARTITION BY user_id ORDER BY valid_from) AS valid_to FROM consent_states;

CREATE OR REPLACE VIEW visibility_spells AS
SELECT *, lead(valid_from) OVER (PARTITION BY user_id ORDER BY valid_from) AS valid_to FROM visibility_states;

CREATE OR REPLACE MACRO in_spell(t, valid_from, valid_to) AS t >= valid_from AND (valid_to IS NULL OR t < valid_to);

-- An access event whose copy was kept more than a week after it (or is not purged): the table
-- access_held keeps a copy of these rows, so a period's check finds the older copies still held
-- at its start without reading the history (queries/window/older.sql). The week, in
-- microseconds, is check.py's HELD_FOR.
CREATE OR REPLACE MACRO held_long(occurred_at, purged_at) AS
    purged_at IS NULL OR epoch_us(purged_at) - epoch_us(occurred_at) > 604800000000;
