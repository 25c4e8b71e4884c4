-- Full-refresh baseline of marts.marts_product_feature_adoption_daily
-- (supabase/schemas/marts/product/aggregates/marts_product_feature_adoption_daily.sql): one row per UTC
-- day per feature used in the 30 days ending that day (future days too, up to 29 days after the last
-- use), only users who did not opt out of analytics. As the former kpi_feature_adoption computed for
-- every day instead of today: the feature's users, uses and seconds in the window (the baseline's
-- marts_product_feature_usage), and the window's active users (a feature use, a first reach of a funnel
-- step in marts_product_funnel_events, or a login in marts_core_user_activity_daily). Distinct users per
-- window: each user's days merged into islands (a day keeps its user counted for 30 days), counted per
-- day with +1/-1 events and a running sum; uses and seconds: a 30-day moving sum over the calendar.
create table bench_full.marts_product_feature_adoption_daily as
with usage as (
    select f.user_id, f.feature_name, f.usage_date as day, f.usage_count::bigint as usage_count, f.time_spent_seconds::bigint as time_spent_seconds
    from bench_full.marts_product_feature_usage as f
    where f.usage_date is not null and not f.analytics_opt_out
),
-- every day from the first use to 29 days after the last, for every feature
calendar as (
    select b.first_day + n as day
    from (select min(u.day) as first_day, max(u.day) as last_day from usage as u) as b
    cross join generate_series(0, b.last_day + 29 - b.first_day) as n
),
features as (
    select distinct u.feature_name from usage as u
),
feature_gaps as (
    select u.user_id, u.feature_name, u.day,
           case when u.day - lag(u.day) over (partition by u.user_id, u.feature_name order by u.day) <= 30 then 0 else 1 end as starts_island
    from usage as u
),
feature_islands as (
    select g.feature_name, min(g.day) as first_day, max(g.day) + 30 as end_day
    from (
        select g.*, sum(g.starts_island) over (partition by g.user_id, g.feature_name order by g.day) as island
        from feature_gaps as g
    ) as g
    group by g.user_id, g.feature_name, g.island
),
feature_user_deltas as (
    select d.feature_name, d.day, sum(d.delta) as delta
    from (
        select i.feature_name, i.first_day as day, 1 as delta from feature_islands as i
        union all
        select i.feature_name, i.end_day, -1 from feature_islands as i
    ) as d
    group by d.feature_name, d.day
),
feature_day as (
    select u.feature_name, u.day, sum(u.usage_count) as uses, sum(u.time_spent_seconds) as seconds
    from usage as u
    group by u.feature_name, u.day
),
per_feature as (
    select
        c.day,
        f.feature_name,
        sum(coalesce(d.delta, 0)) over (partition by f.feature_name order by c.day) as users,
        sum(coalesce(fd.uses, 0)) over (partition by f.feature_name order by c.day rows between 29 preceding and current row) as uses,
        sum(coalesce(fd.seconds, 0)) over (partition by f.feature_name order by c.day rows between 29 preceding and current row) as seconds
    from calendar as c
    cross join features as f
    left join feature_user_deltas as d on d.feature_name = f.feature_name and d.day = c.day
    left join feature_day as fd on fd.feature_name = f.feature_name and fd.day = c.day
),
active_days as (
    select u.user_id, u.day from usage as u
    union
    select e.user_id, (e.reached_at at time zone 'UTC')::date
    from bench_full.marts_product_funnel_events as e
    where e.reached_at is not null and not e.analytics_opt_out
    union
    select a.user_id, a.activity_date
    from bench_full.marts_core_user_activity_daily as a
    where a.login_count > 0 and not a.analytics_opt_out
),
active_gaps as (
    select a.user_id, a.day,
           case when a.day - lag(a.day) over (partition by a.user_id order by a.day) <= 30 then 0 else 1 end as starts_island
    from active_days as a
),
active_islands as (
    select min(g.day) as first_day, max(g.day) + 30 as end_day
    from (
        select g.*, sum(g.starts_island) over (partition by g.user_id order by g.day) as island
        from active_gaps as g
    ) as g
    group by g.user_id, g.island
),
active_deltas as (
    select d.day, sum(d.delta) as delta
    from (
        select i.first_day as day, 1 as delta from active_islands as i
        union all
        select i.end_day, -1 from active_islands as i
    ) as d
    group by d.day
),
active_calendar as (
    select b.first_day + n as day
    from (select min(d.day) as first_day, max(d.day) as last_day from active_deltas as d) as b
    cross join generate_series(0, b.last_day - b.first_day) as n
),
active_per_day as (
    select c.day, sum(coalesce(d.delta, 0)) over (order by c.day) as users
    from active_calendar as c
    left join active_deltas as d on d.day = c.day
),
final as (
    select
        p.day as as_of_date,
        p.feature_name::varchar(50) as feature_name,
        p.users::integer as users_last_30_days,
        a.users::integer as active_users_last_30_days,
        p.uses::bigint as total_usage,
        p.seconds::bigint as total_time_spent_seconds,
        now() as _dbt_loaded_at
    from per_feature as p
    join active_per_day as a on a.day = p.day
    where p.users > 0
)
select * from final;
