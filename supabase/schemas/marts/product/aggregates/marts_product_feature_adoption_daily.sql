-- Model marts_product_feature_adoption_daily. Grain: one row per day per feature used in the 30 days ending
-- that day. Pre-aggregated feature adoption, so that marts.kpi_feature_adoption reads today's rows (one per
-- feature) instead of counting distinct users over 30 days of usage, funnel steps and logins. Counts only
-- users who did not opt out of analytics.
-- Materialized per day (recompute_keys on as_of_date). A feature use, a first reach of a funnel step or a
-- login on day d counts in the 30 days ending on d..d+29, so touched: those 30 days for every day of a
-- feature_used or auth event the batches changed, of a first reach that may have moved
-- (marts.kpi_funnel_reach_days), and of every use, step and login of a user kpi_recounted_users names.
-- Future days are kept too, as the view reads them when the date moves before the next run. A use dated
-- after a day does not count on that day.

create table marts.marts_product_feature_adoption_daily (
    as_of_date date not null,
    feature_name varchar(50) not null,
    users_last_30_days integer not null default 0,
    active_users_last_30_days integer not null default 0,
    total_usage bigint not null default 0,
    total_time_spent_seconds bigint not null default 0,
    _dbt_loaded_at timestamptz default now(),
    primary key (as_of_date, feature_name)
);

comment on table marts.marts_product_feature_adoption_daily is
    'Aggregate: feature adoption by day. Grain: one row per day per feature used in the 30 days ending that day (users '
    'who opted out of analytics are not counted). Use: feature adoption (marts.kpi_feature_adoption reads today''s rows).';
comment on column marts.marts_product_feature_adoption_daily.as_of_date is 'The UTC day the 30-day window ends on.';
comment on column marts.marts_product_feature_adoption_daily.feature_name is 'The app feature.';
comment on column marts.marts_product_feature_adoption_daily.users_last_30_days is 'Users who used the feature in the window.';
comment on column marts.marts_product_feature_adoption_daily.active_users_last_30_days is
    'Active users in the window: any feature use, any funnel step first reached, or a login (the adoption denominator).';
comment on column marts.marts_product_feature_adoption_daily.total_usage is 'Uses of the feature in the window.';
comment on column marts.marts_product_feature_adoption_daily.total_time_spent_seconds is 'Seconds spent in the feature in the window.';
comment on column marts.marts_product_feature_adoption_daily._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_product_feature_adoption_daily__touched(p_from_batch bigint, p_to_batch bigint)
returns table (as_of_date date)
language sql
stable
begin atomic
    with changed_days as (
        -- feature uses the batches changed
        select e.event_date as day
        from staging.stg_supabase_product_events as e
        where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.event_name = 'feature_used'
        union
        -- first reaches of funnel steps that may have moved
        select f.reached_date
        from marts.kpi_funnel_reach_days(p_from_batch, p_to_batch) as f
        union
        -- logins
        select e.event_date
        from staging.stg_supabase_auth_events as e
        where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.user_id is not null
        union
        -- every feature use and login of a user who opted out or back in, is new, or was hard-deleted
        select e.event_date
        from staging.stg_supabase_product_events as e
        join marts.kpi_recounted_users(p_from_batch, p_to_batch) as r on r.user_id = e.user_id
        where e.event_name = 'feature_used'
        union
        select e.event_date
        from staging.stg_supabase_auth_events as e
        join marts.kpi_recounted_users(p_from_batch, p_to_batch) as r on r.user_id = e.user_id
        where e.event_type = 'login_success'
    )
    select distinct c.day + w.days_after
    from changed_days as c
    cross join generate_series(0, 29) as w (days_after)
    where c.day is not null;
end;

comment on function marts.marts_product_feature_adoption_daily__touched(bigint, bigint) is
    'Model marts_product_feature_adoption_daily: the days whose 30-day windows batches (p_from_batch, p_to_batch] may have '
    'changed: each day of a changed feature use or auth event, of a moved first reach (marts.kpi_funnel_reach_days) and of '
    'every use and login of a user marts.kpi_recounted_users names, and the 29 days after it.';

create function marts.marts_product_feature_adoption_daily__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_product_feature_adoption_daily
language sql
stable
begin atomic
    with touched as (
        select distinct t.as_of_date
        from marts.marts_product_feature_adoption_daily__touched(p_from_batch, p_to_batch) as t
    ),
    -- the days that count on a touched day: the 30 days ending on it
    window_days as (
        select distinct t.as_of_date - w.days_before as day
        from touched as t
        cross join generate_series(0, 29) as w (days_before)
    ),
    usage as (
        select f.user_id, f.feature_name, f.usage_date, f.usage_count, f.time_spent_seconds
        from marts.marts_product_feature_usage as f
        join window_days as d on d.day = f.usage_date
        where not f.analytics_opt_out
    ),
    -- a window's distinct users, as marts_core_active_users_daily counts them: a day of activity keeps its
    -- user counted from that day until their next active day or the window's end, whichever comes first;
    -- a window's uses and time: each day's added on that day and taken away 30 days later
    feature_spans as (
        select u.feature_name, u.usage_date as first_day, u.usage_count, u.time_spent_seconds,
               lead(u.usage_date) over (partition by u.user_id, u.feature_name order by u.usage_date) as next_day
        from usage as u
    ),
    features as (
        select distinct u.feature_name from usage as u
    ),
    feature_changes as (
        select s.feature_name, s.first_day as day, 1 as users, s.usage_count::bigint as uses, s.time_spent_seconds as seconds
        from feature_spans as s
        union all
        select s.feature_name, least(s.next_day, s.first_day + 30), -1, 0, 0
        from feature_spans as s
        union all
        select s.feature_name, s.first_day + 30, 0, -s.usage_count::bigint, -s.time_spent_seconds
        from feature_spans as s
        union all
        -- a zero on every touched day, so that the running sums have a value on each
        select f.feature_name, t.as_of_date, 0, 0, 0
        from touched as t cross join features as f
    ),
    feature_running as (
        select c.feature_name, c.day,
               sum(sum(c.users)) over w as users,
               sum(sum(c.uses)) over w as uses,
               sum(sum(c.seconds)) over w as seconds
        from feature_changes as c
        group by c.feature_name, c.day
        window w as (partition by c.feature_name order by c.day)
    ),
    active_days as (
        select u.user_id, u.usage_date as day
        from usage as u
        union
        select e.user_id, (e.reached_at at time zone 'UTC')::date
        from marts.marts_product_funnel_events as e
        join window_days as d
            on e.reached_at >= d.day::timestamp at time zone 'UTC' and e.reached_at < (d.day + 1)::timestamp at time zone 'UTC'
        where not e.analytics_opt_out
        union
        select a.user_id, a.activity_date
        from marts.marts_core_user_activity_daily as a
        join window_days as d on d.day = a.activity_date
        where a.login_count > 0 and not a.analytics_opt_out
    ),
    active_spans as (
        select a.day as first_day, lead(a.day) over (partition by a.user_id order by a.day) as next_day
        from active_days as a
    ),
    active_changes as (
        select s.first_day as day, 1 as users from active_spans as s
        union all
        select least(s.next_day, s.first_day + 30), -1 from active_spans as s
        union all
        select t.as_of_date, 0 from touched as t
    ),
    active_running as (
        select c.day, sum(sum(c.users)) over (order by c.day) as users
        from active_changes as c
        group by c.day
    ),
    final as (
        select
            t.as_of_date,
            f.feature_name,
            f.users::integer as users_last_30_days,
            a.users::integer as active_users_last_30_days,
            f.uses::bigint as total_usage,
            f.seconds::bigint as total_time_spent_seconds,
            now() as _dbt_loaded_at
        from touched as t
        join feature_running as f on f.day = t.as_of_date
        join active_running as a on a.day = t.as_of_date
        where f.users > 0
    )
    select * from final;
end;

comment on function marts.marts_product_feature_adoption_daily__rows(bigint, bigint) is
    'Model marts_product_feature_adoption_daily: for each day of marts_product_feature_adoption_daily__touched (batches '
    'p_from_batch, p_to_batch], each feature''s users, uses and time in the 30 days ending that day, and the active users '
    'of that window, from marts_product_feature_usage, marts_product_funnel_events and marts_core_user_activity_daily '
    'without users who opted out.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_product_feature_adoption_daily', 'marts', 'marts', 'marts_product_feature_adoption_daily', 'recompute_keys',
    '{as_of_date,feature_name}', 'marts.marts_product_feature_adoption_daily__rows', 'marts.marts_product_feature_adoption_daily__touched',
    '{as_of_date}', 'one row per day per feature used in the 30 days ending that day');

insert into warehouse.model_state (model_name) values ('marts_product_feature_adoption_daily');

select warehouse.enable_aggregate_rls('marts_product_feature_adoption_daily');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_product_feature_adoption_daily__pk__unique', 'marts_product_feature_adoption_daily', 'marts',
        'marts_product_feature_adoption_daily', 'unique', null, null, '{"columns": ["as_of_date", "feature_name"]}', 'error',
        'One row per day per feature.'),
    ('marts_product_feature_adoption_daily__no_negative_metrics', 'marts_product_feature_adoption_daily', 'marts',
        'marts_product_feature_adoption_daily', 'no_negative', null, 'as_of_date',
        '{"columns": ["users_last_30_days", "active_users_last_30_days", "total_usage", "total_time_spent_seconds"]}', 'error',
        'Adoption counts, uses and time are never negative.'),
    ('marts_product_feature_adoption_daily__users_within_active', 'marts_product_feature_adoption_daily', 'marts',
        'marts_product_feature_adoption_daily', 'expression', null, 'as_of_date',
        '{"where": "users_last_30_days > active_users_last_30_days or users_last_30_days > total_usage"}', 'error',
        'A feature''s users are active users, each with at least one use.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_product_feature_adoption_daily', 'marts', 60, 'delete_rows', 'as_of_date',
        'Marts keep 5 years of daily feature adoption, as they keep the feature usage.');
