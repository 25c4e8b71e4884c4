-- Model marts_core_active_users_daily. Grain: one row per day on which someone was active in the 30 days
-- ending on it. Pre-aggregated DAU, WAU and MAU, so that marts.kpi_active_users reads 91 rows instead of
-- counting users at query time. Counts only users who did not opt out of analytics (the logins of
-- marts_core_user_activity_daily with login_count > 0 and not analytics_opt_out).
-- Materialized per day (recompute_keys on activity_date). A login on day d counts in DAU on d, in WAU on
-- d..d+6 and in MAU on d..d+29, so touched: those 30 days for every day with an auth event the batches
-- changed (new, late or deleted), and for every login day of a user kpi_recounted_users names (opted
-- out or back in, new, hard-deleted). Future days are kept too: their counts are known (the logins of
-- the days before them) and the view reads them as the date moves, before the next run.

create table marts.marts_core_active_users_daily (
    activity_date date primary key,
    dau integer not null default 0,
    wau integer not null default 0,
    mau integer not null default 0,
    _dbt_loaded_at timestamptz default now()
);

comment on table marts.marts_core_active_users_daily is
    'Aggregate: active users by day. Grain: one row per day with a user active in the 30 days ending on it (users who '
    'opted out of analytics are not counted). Use: DAU, WAU, MAU and stickiness (marts.kpi_active_users).';
comment on column marts.marts_core_active_users_daily.activity_date is 'The UTC day.';
comment on column marts.marts_core_active_users_daily.dau is 'Users who logged in that day (login_count > 0, as the seed''s DAU query).';
comment on column marts.marts_core_active_users_daily.wau is 'Users who logged in in the 7 days ending that day.';
comment on column marts.marts_core_active_users_daily.mau is 'Users who logged in in the 30 days ending that day.';
comment on column marts.marts_core_active_users_daily._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_core_active_users_daily__touched(p_from_batch bigint, p_to_batch bigint)
returns table (activity_date date)
language sql
stable
begin atomic
    with changed_days as (
        -- the days of the auth events the batches changed
        select e.event_date
        from staging.stg_supabase_auth_events as e
        where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.user_id is not null
        union
        -- every login day of a user who opted out or back in, is new, or was hard-deleted
        select e.event_date
        from staging.stg_supabase_auth_events as e
        join marts.kpi_recounted_users(p_from_batch, p_to_batch) as r on r.user_id = e.user_id
        where e.event_type = 'login_success'
    )
    select distinct c.event_date + w.days_after
    from changed_days as c
    cross join generate_series(0, 29) as w (days_after)
    where c.event_date is not null;
end;

comment on function marts.marts_core_active_users_daily__touched(bigint, bigint) is
    'Model marts_core_active_users_daily: the days whose counts batches (p_from_batch, p_to_batch] may have changed: '
    'each day of a changed auth event and of every login of a user marts.kpi_recounted_users names, and the 29 days after it.';

create function marts.marts_core_active_users_daily__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_active_users_daily
language sql
stable
begin atomic
    with touched as (
        select distinct t.activity_date
        from marts.marts_core_active_users_daily__touched(p_from_batch, p_to_batch) as t
    ),
    -- the days whose logins count on a touched day: the 30 days ending on it
    login_days as (
        select distinct t.activity_date - w.days_before as login_date
        from touched as t
        cross join generate_series(0, 29) as w (days_before)
    ),
    logins as (
        select a.user_id, a.activity_date
        from marts.marts_core_user_activity_daily as a
        join login_days as d on d.login_date = a.activity_date
        where a.login_count > 0 and not a.analytics_opt_out
    ),
    -- a login keeps its user active from its day until the user's next login or the window's end, whichever
    -- comes first: each user is counted once per day. Every login of the 30 days before a touched day is read,
    -- so the next login seen is the true one wherever it matters.
    spans as (
        select l.activity_date as first_day,
               lead(l.activity_date) over (partition by l.user_id order by l.activity_date) as next_login_date
        from logins as l
    ),
    windows (window_days) as (
        values (1), (7), (30)
    ),
    changes as (
        select w.window_days, s.first_day as day, 1 as delta
        from spans as s cross join windows as w
        union all
        select w.window_days, least(s.next_login_date, s.first_day + w.window_days), -1
        from spans as s cross join windows as w
        union all
        -- a zero on every touched day, so that the running count has a value on each
        select w.window_days, t.activity_date, 0
        from touched as t cross join windows as w
    ),
    running as (
        select c.window_days, c.day, sum(sum(c.delta)) over (partition by c.window_days order by c.day) as active_users
        from changes as c
        group by c.window_days, c.day
    ),
    final as (
        select
            t.activity_date,
            (max(r.active_users) filter (where r.window_days = 1))::integer as dau,
            (max(r.active_users) filter (where r.window_days = 7))::integer as wau,
            (max(r.active_users) filter (where r.window_days = 30))::integer as mau,
            now() as _dbt_loaded_at
        from touched as t
        join running as r on r.day = t.activity_date
        group by t.activity_date
        having max(r.active_users) filter (where r.window_days = 30) > 0
    )
    select * from final;
end;

comment on function marts.marts_core_active_users_daily__rows(bigint, bigint) is
    'Model marts_core_active_users_daily: DAU, WAU and MAU of the days of marts_core_active_users_daily__touched '
    '(batches p_from_batch, p_to_batch], from the logins of marts_core_user_activity_daily of users who did not opt out; '
    'a day with nobody active in its 30 days has no row.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_core_active_users_daily', 'marts', 'marts', 'marts_core_active_users_daily', 'recompute_keys', '{activity_date}',
    'marts.marts_core_active_users_daily__rows', 'marts.marts_core_active_users_daily__touched', '{activity_date}',
    'one row per day with a user active in the 30 days ending on it');

insert into warehouse.model_state (model_name) values ('marts_core_active_users_daily');

select warehouse.enable_aggregate_rls('marts_core_active_users_daily');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_active_users_daily__activity_date__unique', 'marts_core_active_users_daily', 'marts', 'marts_core_active_users_daily',
        'unique', 'activity_date', 'activity_date', '{}', 'error', 'One row per day.'),
    ('marts_core_active_users_daily__no_negative_counts', 'marts_core_active_users_daily', 'marts', 'marts_core_active_users_daily',
        'no_negative', null, 'activity_date', '{"columns": ["dau", "wau", "mau"]}', 'error', 'Active-user counts are never negative.'),
    ('marts_core_active_users_daily__windows_nest', 'marts_core_active_users_daily', 'marts', 'marts_core_active_users_daily',
        'expression', null, 'activity_date', '{"where": "not (dau <= wau and wau <= mau)"}', 'error',
        'Daily actives are weekly actives, and weekly actives are monthly actives.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_core_active_users_daily', 'marts', 60, 'delete_rows', 'activity_date',
        'Marts keep 5 years of daily active users, as of the activity they count.');
