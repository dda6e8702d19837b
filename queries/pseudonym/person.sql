-- The display name and email from users of the person in <column>, as <alias>_name and
-- <alias>_email (a column list to place in a SELECT).
(SELECT display_name FROM users u WHERE u.user_id = {column}) AS {alias}_name,
(SELECT email FROM users u WHERE u.user_id = {column}) AS {alias}_email
