-- The people of an email in the directory, case-insensitive (auditor subject EMAIL).
SELECT user_id, email, display_name, country, is_eea(country) FROM users WHERE lower(email) = lower($key) ORDER BY user_id
