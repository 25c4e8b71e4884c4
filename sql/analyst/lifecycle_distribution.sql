-- User lifecycle distribution — the seed's example query, verbatim.
SELECT
  lifecycle_stage,
  COUNT(*) AS user_count,
  ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 2) AS pct
FROM marts_core_dim_users
WHERE deleted_at IS NULL
GROUP BY lifecycle_stage;
