-- KPI views (the invoker's rights: analysts never count users who opted out; they read pre-aggregated
-- marts, marts/product/aggregates/, which count none of them either)
create view marts.kpi_feature_adoption
with (security_invoker = true)
as
select
    a.feature_name,
    a.users_last_30_days::bigint as users_last_30_days,
    a.active_users_last_30_days::bigint as active_users_last_30_days,
    round(a.users_last_30_days::numeric / nullif(a.active_users_last_30_days, 0), 4) as adoption_rate,
    a.total_usage,
    a.total_time_spent_seconds,
    round(a.total_time_spent_seconds::numeric / nullif(a.total_usage, 0), 1) as avg_seconds_per_use,
    round(a.total_time_spent_seconds::numeric / nullif(a.users_last_30_days, 0), 1) as avg_seconds_per_user
from marts.marts_product_feature_adoption_daily as a
where a.as_of_date = current_date;

comment on view marts.kpi_feature_adoption is
    'KPI: feature adoption over the 30 days ending today (UTC). Grain: one row per feature used in that window. Active '
    'users = users with a feature use, a funnel step first reached, or a successful login in the window. Reads today''s '
    'rows of the pre-aggregated mart marts_product_feature_adoption_daily (users who opted out are not counted).';
comment on column marts.kpi_feature_adoption.feature_name is 'The app feature.';
comment on column marts.kpi_feature_adoption.users_last_30_days is 'Users who used the feature in the window.';
comment on column marts.kpi_feature_adoption.active_users_last_30_days is
    'Active users in the window: any feature use, any funnel step first reached, or a login (the adoption denominator).';
comment on column marts.kpi_feature_adoption.adoption_rate is 'users_last_30_days / active_users_last_30_days.';
comment on column marts.kpi_feature_adoption.total_usage is 'Uses of the feature in the window.';
comment on column marts.kpi_feature_adoption.total_time_spent_seconds is 'Seconds spent in the feature in the window.';
comment on column marts.kpi_feature_adoption.avg_seconds_per_use is 'total_time_spent_seconds / total_usage.';
comment on column marts.kpi_feature_adoption.avg_seconds_per_user is 'total_time_spent_seconds / users_last_30_days.';
