-- The audit-log adapters' helpers (auditor/adapters/records.py explains the JSON they read).
-- Values of modifiedProperties are JSON text inside strings ("[true]", "\"False\"") and are decoded
-- once (xa_decode); a plain value stays as it is. Windows PowerShell 5.1's ConvertTo-Json writes a
-- date as "\/Date(1758000000000)\/" (milliseconds since the epoch, UTC; a suffix such as +0200
-- only says the zone it was shown in): xa_time writes it as ISO 8601 UTC, so it is validated like
-- any timestamp.
CREATE OR REPLACE TEMP MACRO xa_text(t) AS
    CASE WHEN t IS NULL OR json_type(t) = 'NULL' THEN NULL WHEN json_type(t) = 'VARCHAR' THEN json_extract_string(t, '$')
         ELSE CAST(t AS VARCHAR) END;
CREATE OR REPLACE TEMP MACRO xa_json_value(jv) AS
    CASE WHEN json_type(jv) = 'ARRAY' AND json_array_length(jv) = 0 THEN NULL
         WHEN json_type(jv) = 'ARRAY' AND json_array_length(jv) = 1 THEN xa_text(json_extract(jv, 0))
         ELSE xa_text(jv) END;
CREATE OR REPLACE TEMP MACRO xa_decode(v) AS
    NULLIF(trim(CASE WHEN v IS NULL OR NOT json_valid(v) THEN v ELSE xa_json_value(CAST(v AS JSON)) END), '');
CREATE OR REPLACE TEMP MACRO xa_blank(v) AS NULLIF(trim(v), '');
CREATE OR REPLACE TEMP MACRO xa_time(v) AS
    CASE WHEN regexp_full_match(v, '\\?/Date\((-?[0-9]{1,15})([+-][0-9]{4})?\)\\?/')
         THEN strftime(make_timestamp(CAST(regexp_extract(v, '(-?[0-9]+)', 1) AS BIGINT) * 1000), '%Y-%m-%dT%H:%M:%S.%gZ')
         ELSE v END;
-- A line that holds more than blanks (space, tab, line feed, carriage return).
CREATE OR REPLACE TEMP MACRO xa_nonblank(j) AS j IS NOT NULL AND trim(j, ' ' || chr(9) || chr(10) || chr(13)) <> '';
