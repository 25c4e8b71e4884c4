-- Full-refresh baseline of marts.marts_core_signup_cohorts
-- (supabase/schemas/marts/core/aggregates/marts_core_signup_cohorts.sql): one row per sign-up week
-- (Monday, UTC) with the users of the baseline's marts_core_dim_users (soft-deleted ones too) who signed
-- up that week and did not opt out of analytics (the former kpi_signup_cohort_retention's cohort sizes,
-- over all history).
create table bench_full.marts_core_signup_cohorts as
with users as (
    select date_trunc('week', d.created_at at time zone 'UTC')::date as cohort_week
    from bench_full.marts_core_dim_users as d
    where d.created_at is not null and not d.analytics_opt_out
),
final as (
    select u.cohort_week, count(*)::integer as cohort_size, now() as _dbt_loaded_at
    from users as u
    group by u.cohort_week
)
select * from final;
