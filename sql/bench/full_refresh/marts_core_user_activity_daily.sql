-- Full-refresh baseline of marts.marts_core_user_activity_daily
-- (supabase/schemas/marts/core/marts_core_user_activity_daily.sql): one row per user per day with a
-- session or an auth event, for users staging holds. Days since the last login count from the latest
-- day with a successful login on or before the row's day; the weights and the active window are rows
-- of warehouse.metric_definitions.
create table bench_full.marts_core_user_activity_daily as
with rules as (
    select
        warehouse.metric('active_window_days')::integer as active_days,
        warehouse.metric('engagement_weight_login') as weight_login,
        warehouse.metric('engagement_weight_session') as weight_session,
        warehouse.metric('engagement_weight_api_call') as weight_api_call,
        warehouse.metric('engagement_weight_feature') as weight_feature
    offset 0
),
sessions_day as (
    select s.user_id, s.session_date as activity_date, count(*)::integer as session_count,
           coalesce(sum(s.api_calls_count), 0)::integer as api_calls_count
    from bench_full.stg_supabase_sessions as s
    where s.user_id is not null
    group by 1, 2
),
features_day as (
    select s.user_id, s.session_date as activity_date, array_agg(distinct f.feature order by f.feature) as features_used
    from bench_full.stg_supabase_sessions as s
    cross join lateral unnest(s.features_used) as f (feature)
    where s.user_id is not null
    group by 1, 2
),
events_day as (
    select e.user_id, e.event_date as activity_date, count(*)::integer as event_count,
           (count(*) filter (where e.event_type = 'login_success'))::integer as login_count
    from bench_full.stg_supabase_auth_events as e
    where e.user_id is not null
    group by 1, 2
),
days as (
    select coalesce(sd.user_id, ev.user_id) as user_id, coalesce(sd.activity_date, ev.activity_date) as activity_date,
           sd.session_count, sd.api_calls_count, ev.event_count, ev.login_count
    from sessions_day as sd
    full join events_day as ev on ev.user_id = sd.user_id and ev.activity_date = sd.activity_date
),
with_last_login as (
    select d.*,
           max(case when d.login_count > 0 then d.activity_date end)
               over (partition by d.user_id order by d.activity_date) as last_login_date
    from days as d
),
final as (
    select
        d.activity_date,
        d.user_id,
        coalesce(d.login_count, 0) as login_count,
        coalesce(d.session_count, 0) as session_count,
        coalesce(d.api_calls_count, 0) as api_calls_count,
        coalesce(fd.features_used, '{}') as features_used,
        coalesce(d.login_count, 0) * k.weight_login
            + coalesce(d.session_count, 0) * k.weight_session
            + coalesce(d.api_calls_count, 0) * k.weight_api_call
            + coalesce(cardinality(fd.features_used), 0) * k.weight_feature as engagement_score,
        coalesce(d.activity_date - d.last_login_date < k.active_days, false) as is_active,
        d.activity_date - (u.created_at at time zone 'UTC')::date as days_since_signup,
        d.activity_date - d.last_login_date as days_since_last_login,
        u.analytics_opt_out,
        now() as _dbt_loaded_at
    from with_last_login as d
    cross join rules as k
    join bench_full.stg_supabase_users as u on u.user_id = d.user_id
    left join features_day as fd on fd.user_id = d.user_id and fd.activity_date = d.activity_date
)
select * from final;
