-- Full-refresh baseline of marts.marts_core_active_users_daily
-- (supabase/schemas/marts/core/aggregates/marts_core_active_users_daily.sql): one row per UTC day with a
-- user active in the 30 days ending on it: DAU, WAU and MAU, the users who logged in (login_count > 0 in
-- the baseline's marts_core_user_activity_daily) that day, in the 7 and in the 30 days ending on it, only
-- users who did not opt out of analytics. As the former kpi_active_users over all history (future days
-- too, up to 29 days after the last login): a login on day d keeps its user active on d..d+w-1 for a
-- window of w days; each user's overlapping spans are merged into islands, and the islands covering
-- each day of the calendar are counted with +1/-1 events and a running sum.
create table bench_full.marts_core_active_users_daily as
with logins as (
    select a.user_id, a.activity_date
    from bench_full.marts_core_user_activity_daily as a
    where a.login_count > 0 and not a.analytics_opt_out
),
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
    select d.window_days, d.day, sum(d.delta) as delta
    from (
        select i.window_days, i.first_day as day, 1 as delta from islands as i
        union all
        select i.window_days, i.end_day, -1 from islands as i
    ) as d
    group by d.window_days, d.day
),
-- every day from the first login to 29 days after the last
calendar as (
    select b.first_day + n as day
    from (select min(l.activity_date) as first_day, max(l.activity_date) as last_day from logins as l) as b
    cross join generate_series(0, b.last_day + 29 - b.first_day) as n
),
running as (
    select c.day, w.window_days,
           sum(coalesce(d.delta, 0)) over (partition by w.window_days order by c.day) as active_users
    from calendar as c
    cross join (values (1), (7), (30)) as w (window_days)
    left join deltas as d on d.window_days = w.window_days and d.day = c.day
),
final as (
    select
        r.day as activity_date,
        (max(r.active_users) filter (where r.window_days = 1))::integer as dau,
        (max(r.active_users) filter (where r.window_days = 7))::integer as wau,
        (max(r.active_users) filter (where r.window_days = 30))::integer as mau,
        now() as _dbt_loaded_at
    from running as r
    group by r.day
    having max(r.active_users) filter (where r.window_days = 30) > 0
)
select * from final;
