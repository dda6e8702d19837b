-- The person of a user id in the directory (auditor subject USER).
SELECT user_id, email, display_name, country, is_eea(country) FROM users WHERE user_id = $key ORDER BY user_id
