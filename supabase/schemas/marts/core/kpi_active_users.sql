-- KPI views for the seed's initial dashboard (DAU, MAU, retention) and the analyst's first questions:
-- active users and stickiness, weekly sign-up cohort retention, the auth funnel, lifecycle movement.
-- Views run with the invoker's rights (security_invoker), so row-level security applies to them:
-- analysts never count users who opted out.

-- KPI views
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
