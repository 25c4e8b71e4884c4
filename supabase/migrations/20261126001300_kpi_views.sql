-- KPI views for the seed's initial dashboard (DAU, MAU, retention) and the analyst's first questions:
-- active users and stickiness, weekly sign-up cohort retention, the auth funnel, lifecycle movement.
-- Views run with the invoker's rights (security_invoker), so row-level security applies to them:
-- analysts never count users who opted out.

-- ---------------------------------------------------------------------------------------------
-- KPI views
-- ---------------------------------------------------------------------------------------------

create view marts.kpi_active_users
with (security_invoker = true)
as
with logins as (
    select a.user_id, a.activity_date
    from marts.marts_core_user_activity_daily as a
    where a.login_count > 0 and a.activity_date >= current_date - 120
),
-- A login on day d makes the user weekly-active on d..d+6 and monthly-active on d..d+29. Merge each
-- user's overlapping spans (islands), then count spans covering each day with +1/-1 events.
gaps as (
    select l.user_id, l.activity_date, w.window_days,
           case when l.activity_date - lag(l.activity_date) over (partition by l.user_id, w.window_days order by l.activity_date)
                     <= w.window_days then 0 else 1 end as starts_island
    from logins as l
    cross join (values (1), (7), (30)) as w (window_days)
),
spans as (
    select g.user_id, g.activity_date, g.window_days,
           sum(g.starts_island) over (partition by g.user_id, g.window_days order by g.activity_date) as island
    from gaps as g
),
islands as (
    select s.window_days, min(s.activity_date) as first_day, max(s.activity_date) + s.window_days as end_day
    from spans as s
    group by s.user_id, s.window_days, s.island
),
deltas as (
    select window_days, first_day as day, 1 as delta from islands
    union all
    select window_days, end_day, -1 from islands
),
running as (
    select d.window_days, d.day, sum(sum(d.delta)) over (partition by d.window_days order by d.day) as active_users
    from deltas as d
    group by d.window_days, d.day
),
days as (
    select g::date as activity_date from generate_series(current_date - 90, current_date, interval '1 day') as g
),
per_day as (
    select
        days.activity_date,
        coalesce((select r.active_users from running as r where r.window_days = 1 and r.day <= days.activity_date order by r.day desc limit 1), 0) as dau,
        coalesce((select r.active_users from running as r where r.window_days = 7 and r.day <= days.activity_date order by r.day desc limit 1), 0) as wau,
        coalesce((select r.active_users from running as r where r.window_days = 30 and r.day <= days.activity_date order by r.day desc limit 1), 0) as mau
    from days
)
select
    p.activity_date,
    p.dau::bigint as dau,
    p.wau::bigint as wau,
    p.mau::bigint as mau,
    round(p.dau / nullif(p.mau, 0), 4) as stickiness
from per_day as p;

comment on view marts.kpi_active_users is
    'KPI: daily, weekly and monthly active users and stickiness. Grain: one row per day of the last 91 days. Active = '
    'logged in (login_count > 0, as the seed''s DAU query) that day / in the 7 / 30 days ending that day.';
comment on column marts.kpi_active_users.activity_date is 'The day.';
comment on column marts.kpi_active_users.dau is 'Users who logged in that day.';
comment on column marts.kpi_active_users.wau is 'Users who logged in in the 7 days ending that day.';
comment on column marts.kpi_active_users.mau is 'Users who logged in in the 30 days ending that day.';
comment on column marts.kpi_active_users.stickiness is 'DAU / MAU.';

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

create view marts.kpi_auth_funnel
with (security_invoker = true)
as
select
    date_trunc('week', e.event_date)::date as week,
    coalesce(e.auth_method, 'unknown') as auth_method,
    count(*) filter (where e.is_login_attempt) as login_attempts,
    count(*) filter (where e.is_login_success) as login_successes,
    count(*) filter (where e.is_login_failure) as login_failures,
    round((count(*) filter (where e.is_login_failure))::numeric / nullif(count(*) filter (where e.is_login_attempt), 0), 4) as failure_rate,
    count(*) filter (where e.is_token_refresh) as token_refreshes
from marts.marts_core_auth_events as e
where e.event_date >= date_trunc('week', current_date) - interval '12 weeks'
group by 1, 2;

comment on view marts.kpi_auth_funnel is
    'KPI: auth funnel. Grain: one row per week (last 12) per auth method: login attempts, successes, failures, failure '
    'rate, token refreshes.';
comment on column marts.kpi_auth_funnel.week is 'Monday of the week.';
comment on column marts.kpi_auth_funnel.auth_method is 'Sign-in method (unknown when not recorded).';
comment on column marts.kpi_auth_funnel.login_attempts is 'Logins attempted.';
comment on column marts.kpi_auth_funnel.login_successes is 'Logins that succeeded.';
comment on column marts.kpi_auth_funnel.login_failures is 'Logins that failed.';
comment on column marts.kpi_auth_funnel.failure_rate is 'Failures / attempts.';
comment on column marts.kpi_auth_funnel.token_refreshes is 'Session token refreshes.';

create view marts.kpi_lifecycle_movement
with (security_invoker = true)
as
select
    date_trunc('week', t.changed_on)::date as week,
    coalesce(t.from_stage, '(new)') as from_stage,
    t.to_stage,
    count(*)::bigint as users
from marts.marts_core_lifecycle_transitions as t
group by 1, 2, 3;

comment on view marts.kpi_lifecycle_movement is
    'KPI: lifecycle movement. Grain: one row per week per (from stage, to stage): how many users moved.';
comment on column marts.kpi_lifecycle_movement.week is 'Monday of the week the pipeline saw the change.';
comment on column marts.kpi_lifecycle_movement.from_stage is 'Stage before ((new) for users new to the warehouse).';
comment on column marts.kpi_lifecycle_movement.to_stage is 'Stage after.';
comment on column marts.kpi_lifecycle_movement.users is 'Users who moved.';

create view marts.kpi_lifecycle_distribution
with (security_invoker = true)
as
select d.lifecycle_stage, count(*)::bigint as user_count,
       round(100.0 * count(*) / sum(count(*)) over (), 2) as pct
from marts.marts_core_dim_users as d
where d.deleted_at is null
group by d.lifecycle_stage;

comment on view marts.kpi_lifecycle_distribution is 'KPI: users per lifecycle stage today (the seed''s example query). Grain: one row per stage.';
comment on column marts.kpi_lifecycle_distribution.lifecycle_stage is 'Stage.';
comment on column marts.kpi_lifecycle_distribution.user_count is 'Users (not deleted) in it.';
comment on column marts.kpi_lifecycle_distribution.pct is 'Share of all such users, percent.';

create view marts.kpi_auth_method_adoption
with (security_invoker = true)
as
select d.preferred_auth_method, count(*)::bigint as user_count
from marts.marts_core_dim_users as d
where d.deleted_at is null
group by d.preferred_auth_method;

comment on view marts.kpi_auth_method_adoption is 'KPI: users per preferred sign-in method (the seed''s example query). Grain: one row per method.';
comment on column marts.kpi_auth_method_adoption.preferred_auth_method is 'Method.';
comment on column marts.kpi_auth_method_adoption.user_count is 'Users (not deleted) preferring it.';

-- The pipeline's health, no user data: a view with its owner's rights, so analysts and the report can
-- read it without reading the warehouse schema.
create view marts.pipeline_health
as
select r.run_id, r.status, r.full_refresh, r.started_at, r.finished_at, r.failing_tests,
       (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id) as tests_run,
       (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status = 'pass') as tests_passed,
       (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status = 'warn') as tests_warned
from warehouse.pipeline_runs as r
where r.status <> 'skipped';

comment on view marts.pipeline_health is 'Pipeline runs with their test counts, for the report and Metabase. Grain: one row per run (skipped runs left out).';
comment on column marts.pipeline_health.run_id is 'The run.';
comment on column marts.pipeline_health.status is 'succeeded, failed or running.';
comment on column marts.pipeline_health.full_refresh is 'Whether it rebuilt staging and marts.';
comment on column marts.pipeline_health.started_at is 'Start.';
comment on column marts.pipeline_health.finished_at is 'End.';
comment on column marts.pipeline_health.failing_tests is 'Error-severity tests that failed.';
comment on column marts.pipeline_health.tests_run is 'Quality tests run.';
comment on column marts.pipeline_health.tests_passed is 'Of them, passed.';
comment on column marts.pipeline_health.tests_warned is 'Of them, warned.';

create view marts.pipeline_freshness
as
select distinct on (q.test_name) q.test_name, q.status, q.message, q.checked_at
from warehouse.quality_test_results as q
where q.kind = 'freshness'
order by q.test_name, q.checked_at desc;

comment on view marts.pipeline_freshness is 'The latest result of each freshness test. Grain: one row per freshness test.';
comment on column marts.pipeline_freshness.test_name is 'The freshness test.';
comment on column marts.pipeline_freshness.status is 'pass, warn or fail.';
comment on column marts.pipeline_freshness.message is 'How old the newest row was, and the thresholds.';
comment on column marts.pipeline_freshness.checked_at is 'When it was checked.';

create view marts.pipeline_layer_rows
as
select n.layer, coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint as row_count
from (values ('raw'), ('staging'), ('marts')) as n (layer)
left join pg_catalog.pg_class as c on c.relnamespace = n.layer::regnamespace and c.relkind = 'r'
group by n.layer;

comment on view marts.pipeline_layer_rows is 'Rows per warehouse layer (planner statistics, current after each run). Grain: one row per layer.';
comment on column marts.pipeline_layer_rows.layer is 'raw, staging or marts.';
comment on column marts.pipeline_layer_rows.row_count is 'Approximate rows in the layer''s tables.';

select warehouse.revoke_api_access();
