-- Full-refresh baseline of marts.marts_core_signup_cohort_stages
-- (supabase/schemas/marts/core/aggregates/marts_core_signup_cohort_stages.sql): one row per sign-up
-- cohort (2026-01-W4) per lifecycle stage with users of the baseline's marts_core_dim_users not deleted
-- who did not opt out of analytics (the former published_signup_cohorts before its k-anonymity cut).
create table bench_full.marts_core_signup_cohort_stages as
with users as (
    select d.signup_cohort, d.lifecycle_stage
    from bench_full.marts_core_dim_users as d
    where d.deleted_at is null and not d.analytics_opt_out
      and d.signup_cohort is not null and d.lifecycle_stage is not null
),
final as (
    select
        u.signup_cohort::varchar(20) as signup_cohort,
        u.lifecycle_stage::varchar(50) as lifecycle_stage,
        count(*)::integer as user_count,
        now() as _dbt_loaded_at
    from users as u
    group by u.signup_cohort, u.lifecycle_stage
)
select * from final;
