create view marts.kpi_signup_cohort_retention
with (security_invoker = true)
as
with cohorts as (
    select d.user_id, date_trunc('week', d.created_at at time zone 'UTC')::date as cohort_week
    from marts.marts_core_dim_users as d
    where d.created_at >= date_trunc('week', current_date) - interval '12 weeks'
),
sizes as (
    select c.cohort_week, count(*) as cohort_size from cohorts as c group by c.cohort_week
),
active as (
    select c.cohort_week, (date_trunc('week', a.activity_date)::date - c.cohort_week) / 7 as weeks_since_signup,
           count(distinct a.user_id) as retained_users
    from cohorts as c
    join marts.marts_core_user_activity_daily as a on a.user_id = c.user_id and a.login_count > 0
    group by 1, 2
)
select s.cohort_week, a.weeks_since_signup, s.cohort_size::bigint as cohort_size, a.retained_users::bigint as retained_users,
       round(a.retained_users::numeric / s.cohort_size, 4) as retention_rate
from sizes as s
join active as a on a.cohort_week = s.cohort_week
where a.weeks_since_signup >= 0;

comment on view marts.kpi_signup_cohort_retention is
    'KPI: weekly sign-up cohort retention. Grain: one row per sign-up week (last 12 weeks) per week since sign-up with '
    'logins. Retained = logged in during that week.';
comment on column marts.kpi_signup_cohort_retention.cohort_week is 'Monday of the sign-up week.';
comment on column marts.kpi_signup_cohort_retention.weeks_since_signup is '0 for the sign-up week itself.';
comment on column marts.kpi_signup_cohort_retention.cohort_size is 'Users who signed up that week.';
comment on column marts.kpi_signup_cohort_retention.retained_users is 'Of them, users who logged in that week.';
comment on column marts.kpi_signup_cohort_retention.retention_rate is 'retained_users / cohort_size.';
