-- Daily active users (last 7 days) — the seed's example query, verbatim.
SELECT
  activity_date,
  COUNT(DISTINCT user_id) AS dau
FROM marts_core_user_activity_daily
WHERE activity_date >= CURRENT_DATE - INTERVAL '7 days'
  AND login_count > 0
GROUP BY activity_date
ORDER BY activity_date;
