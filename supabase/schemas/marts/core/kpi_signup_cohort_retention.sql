create view marts.kpi_signup_cohort_retention
with (security_invoker = true)
as
select
    c.cohort_week,
    r.weeks_since_signup,
    c.cohort_size::bigint as cohort_size,
    r.retained_users::bigint as retained_users,
    round(r.retained_users::numeric / c.cohort_size, 4) as retention_rate
from marts.marts_core_signup_cohorts as c
join marts.marts_core_signup_cohort_retention as r on r.cohort_week = c.cohort_week
where c.cohort_week >= date_trunc('week', current_date) - interval '12 weeks';

comment on view marts.kpi_signup_cohort_retention is
    'KPI: weekly sign-up cohort retention. Grain: one row per sign-up week (last 12 weeks) per week since sign-up with '
    'logins. Retained = logged in during that week. Reads the pre-aggregated marts marts_core_signup_cohorts and '
    'marts_core_signup_cohort_retention (users who opted out are not counted).';
comment on column marts.kpi_signup_cohort_retention.cohort_week is 'Monday of the sign-up week.';
comment on column marts.kpi_signup_cohort_retention.weeks_since_signup is '0 for the sign-up week itself.';
comment on column marts.kpi_signup_cohort_retention.cohort_size is 'Users who signed up that week.';
comment on column marts.kpi_signup_cohort_retention.retained_users is 'Of them, users who logged in that week.';
comment on column marts.kpi_signup_cohort_retention.retention_rate is 'retained_users / cohort_size.';
