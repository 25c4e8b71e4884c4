-- KPI views (the invoker's rights: analysts never count users who opted out)
create view marts.kpi_feature_adoption
with (security_invoker = true)
as
with window_usage as (
    select f.user_id, f.feature_name, f.usage_count, f.time_spent_seconds
    from marts.marts_product_feature_usage as f
    where f.usage_date > current_date - 30
),
active_users as (
    select w.user_id from window_usage as w
    union
    select e.user_id from marts.marts_product_funnel_events as e
    where (e.reached_at at time zone 'UTC')::date > current_date - 30
    union
    select a.user_id from marts.marts_core_user_activity_daily as a
    where a.activity_date > current_date - 30 and a.login_count > 0
),
active_count as (
    select count(*) as active_users from active_users
),
per_feature as (
    select w.feature_name, count(distinct w.user_id) as users, sum(w.usage_count) as total_usage,
           sum(w.time_spent_seconds) as total_time
    from window_usage as w
    group by w.feature_name
),
final as (
    select
        p.feature_name,
        p.users::bigint as users_last_30_days,
        a.active_users::bigint as active_users_last_30_days,
        round(p.users::numeric / nullif(a.active_users, 0), 4) as adoption_rate,
        p.total_usage::bigint as total_usage,
        p.total_time::bigint as total_time_spent_seconds,
        round(p.total_time::numeric / nullif(p.total_usage, 0), 1) as avg_seconds_per_use,
        round(p.total_time::numeric / nullif(p.users, 0), 1) as avg_seconds_per_user
    from per_feature as p
    cross join active_count as a
)
select * from final;

comment on view marts.kpi_feature_adoption is
    'KPI: feature adoption over the 30 days ending today (UTC). Grain: one row per feature used in that window. Active '
    'users = users with a feature use, a funnel step first reached, or a successful login in the window.';
comment on column marts.kpi_feature_adoption.feature_name is 'The app feature.';
comment on column marts.kpi_feature_adoption.users_last_30_days is 'Users who used the feature in the window.';
comment on column marts.kpi_feature_adoption.active_users_last_30_days is
    'Active users in the window: any feature use, any funnel step first reached, or a login (the adoption denominator).';
comment on column marts.kpi_feature_adoption.adoption_rate is 'users_last_30_days / active_users_last_30_days.';
comment on column marts.kpi_feature_adoption.total_usage is 'Uses of the feature in the window.';
comment on column marts.kpi_feature_adoption.total_time_spent_seconds is 'Seconds spent in the feature in the window.';
comment on column marts.kpi_feature_adoption.avg_seconds_per_use is 'total_time_spent_seconds / total_usage.';
comment on column marts.kpi_feature_adoption.avg_seconds_per_user is 'total_time_spent_seconds / users_last_30_days.';
