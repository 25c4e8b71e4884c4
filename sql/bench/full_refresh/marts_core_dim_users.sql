-- Full-refresh baseline of marts.marts_core_dim_users (supabase/schemas/marts/core/marts_core_dim_users.sql):
-- one row per user, rebuilt from the baseline's staging: first and last successful login (the app's
-- record or the events, the later), sign-up cohort, and today's lifecycle stage
-- (warehouse.lifecycle_stage_definitions).
create table bench_full.marts_core_dim_users as
with users as (
    select * from bench_full.stg_supabase_users
),
logins as (
    select e.user_id, min(e.occurred_at) as first_login_at, max(e.occurred_at) as last_login_at
    from bench_full.stg_supabase_auth_events as e
    where e.event_type = 'login_success' and e.user_id is not null
    group by e.user_id
),
computed as (
    select
        u.user_id,
        u.email_domain,
        to_char(u.created_at at time zone 'UTC', 'YYYY-MM-"W"W') as signup_cohort,
        u.auth_methods,
        u.preferred_auth_method,
        u.two_factor_enabled,
        l.first_login_at,
        greatest(u.last_login_at, l.last_login_at) as last_login_at,
        u.created_at,
        u.deleted_at,
        u.analytics_opt_out
    from users as u
    left join logins as l on l.user_id = u.user_id
),
final as (
    select
        c.user_id,
        c.email_domain,
        c.signup_cohort::varchar(20) as signup_cohort,
        c.auth_methods,
        c.preferred_auth_method,
        c.two_factor_enabled,
        warehouse.lifecycle_stage(
            current_date - (c.created_at at time zone 'UTC')::date,
            current_date - (c.last_login_at at time zone 'UTC')::date) as lifecycle_stage,
        c.first_login_at,
        c.last_login_at,
        c.created_at,
        c.deleted_at,
        c.analytics_opt_out,
        now() as _dbt_loaded_at
    from computed as c
)
select * from final;
