-- Full-refresh baseline of marts.marts_core_signup_cohort_retention
-- (supabase/schemas/marts/core/aggregates/marts_core_signup_cohort_retention.sql): one row per sign-up
-- week (Monday, UTC) per week since sign-up (0 for the sign-up week) in which users of the cohort logged
-- in (login_count > 0 in the baseline's marts_core_user_activity_daily), counting each user once per
-- week, only users who did not opt out of analytics (the former kpi_signup_cohort_retention, over all
-- cohorts).
create table bench_full.marts_core_signup_cohort_retention as
with cohorts as (
    select d.user_id, date_trunc('week', d.created_at at time zone 'UTC')::date as cohort_week
    from bench_full.marts_core_dim_users as d
    where d.created_at is not null and not d.analytics_opt_out
),
login_weeks as (
    select distinct a.user_id, date_trunc('week', a.activity_date::timestamp)::date as login_week
    from bench_full.marts_core_user_activity_daily as a
    where a.login_count > 0 and not a.analytics_opt_out
),
final as (
    select
        c.cohort_week,
        ((l.login_week - c.cohort_week) / 7)::integer as weeks_since_signup,
        count(*)::integer as retained_users,
        now() as _dbt_loaded_at
    from cohorts as c
    join login_weeks as l on l.user_id = c.user_id
    where l.login_week >= c.cohort_week
    group by c.cohort_week, (l.login_week - c.cohort_week) / 7
)
select * from final;
