-- Authentication method adoption — the seed's example query, verbatim.
SELECT
  preferred_auth_method,
  COUNT(*) AS user_count
FROM marts_core_dim_users
WHERE deleted_at IS NULL
GROUP BY preferred_auth_method
ORDER BY user_count DESC;
