-- Full-refresh baseline of marts.marts_core_auth_events (supabase/schemas/marts/core/marts_core_auth_events.sql):
-- one row per authentication event with its login flags and its user's opt-out.
create table bench_full.marts_core_auth_events as
with events as (
    select * from bench_full.stg_supabase_auth_events
),
users as (
    select u.user_id, u.analytics_opt_out from bench_full.stg_supabase_users as u
),
final as (
    select
        e.event_id,
        e.user_id,
        e.event_date,
        e.occurred_at,
        e.event_type,
        e.auth_method,
        e.failure_reason,
        e.event_type in ('login_success', 'login_failure') as is_login_attempt,
        e.event_type = 'login_success' as is_login_success,
        e.event_type = 'login_failure' as is_login_failure,
        e.event_type = 'token_refresh' as is_token_refresh,
        e.ip_hash,
        coalesce(u.analytics_opt_out, false) as analytics_opt_out,
        now() as _dbt_loaded_at
    from events as e
    left join users as u on u.user_id = e.user_id
)
select * from final;
