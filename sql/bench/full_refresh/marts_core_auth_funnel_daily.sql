-- Full-refresh baseline of marts.marts_core_auth_funnel_daily
-- (supabase/schemas/marts/core/aggregates/marts_core_auth_funnel_daily.sql): one row per UTC day per
-- sign-in method ('unknown' when not recorded) with an auth event, counting the events of the baseline's
-- marts_core_auth_events whose user did not opt out of analytics (the former kpi_auth_funnel, by day, over
-- all history).
create table bench_full.marts_core_auth_funnel_daily as
with events as (
    select e.event_date, coalesce(e.auth_method, 'unknown') as auth_method, e.event_type
    from bench_full.marts_core_auth_events as e
    where e.event_date is not null and not e.analytics_opt_out
),
final as (
    select
        e.event_date,
        e.auth_method::varchar(50) as auth_method,
        count(*)::integer as auth_events,
        (count(*) filter (where e.event_type in ('login_success', 'login_failure')))::integer as login_attempts,
        (count(*) filter (where e.event_type = 'login_success'))::integer as login_successes,
        (count(*) filter (where e.event_type = 'login_failure'))::integer as login_failures,
        (count(*) filter (where e.event_type = 'token_refresh'))::integer as token_refreshes,
        now() as _dbt_loaded_at
    from events as e
    group by e.event_date, e.auth_method
)
select * from final;
