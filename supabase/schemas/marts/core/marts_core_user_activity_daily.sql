-- Mart tables (columns as the seed gives them)
create table marts.marts_core_user_activity_daily (
    activity_date date not null,
    user_id uuid not null,
    login_count integer default 0,
    session_count integer default 0,
    api_calls_count integer default 0,
    features_used text[],
    engagement_score numeric,
    is_active boolean,
    days_since_signup integer,
    days_since_last_login integer,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (activity_date, user_id)
);

create index idx_marts_activity_daily_user on marts.marts_core_user_activity_daily (user_id, activity_date);

comment on table marts.marts_core_user_activity_daily is
    'Fact: user activity by day. Grain: one row per user per day on which the user had a session or an auth event. Use: DAU, engagement trends.';
comment on column marts.marts_core_user_activity_daily.activity_date is 'The UTC day.';
comment on column marts.marts_core_user_activity_daily.user_id is 'The user.';
comment on column marts.marts_core_user_activity_daily.login_count is 'Successful logins that day.';
comment on column marts.marts_core_user_activity_daily.session_count is 'Sessions started that day.';
comment on column marts.marts_core_user_activity_daily.api_calls_count is 'API calls in the sessions started that day.';
comment on column marts.marts_core_user_activity_daily.features_used is 'Distinct features used in those sessions, sorted.';
comment on column marts.marts_core_user_activity_daily.engagement_score is
    'logins * w_login + sessions * w_session + API calls * w_api + distinct features * w_feature (weights in warehouse.metric_definitions).';
comment on column marts.marts_core_user_activity_daily.is_active is 'Logged in that day or within the active window (30 days) before it.';
comment on column marts.marts_core_user_activity_daily.days_since_signup is 'Days from the sign-up date to activity_date.';
comment on column marts.marts_core_user_activity_daily.days_since_last_login is 'Days from the last login on or before activity_date; NULL if none yet.';
comment on column marts.marts_core_user_activity_daily.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_core_user_activity_daily._dbt_loaded_at is 'When the pipeline wrote the row.';

create function marts.refresh_marts_core_user_activity_daily(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_active_days integer := warehouse.metric('active_window_days')::integer;
    v_weight_login numeric := warehouse.metric('engagement_weight_login');
    v_weight_session numeric := warehouse.metric('engagement_weight_session');
    v_weight_api_call numeric := warehouse.metric('engagement_weight_api_call');
    v_weight_feature numeric := warehouse.metric('engagement_weight_feature');
    v_touched bigint;
    v_deleted bigint;
    v_upserted bigint;
    v_opt_out bigint;
    v_result warehouse.refresh_result;
begin
    -- The (user, day) pairs whose sessions or auth events changed in these batches.
    create temporary table if not exists activity_touched (user_id uuid not null, activity_date date not null) on commit drop;
    truncate pg_temp.activity_touched;
    insert into pg_temp.activity_touched (user_id, activity_date)
    select s.user_id, s.session_date
    from staging.stg_supabase_sessions as s
    where s._batch_id > p_from_batch and s._batch_id <= p_to_batch and s.user_id is not null
    union
    select e.user_id, e.event_date
    from staging.stg_supabase_auth_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.user_id is not null;
    get diagnostics v_touched = row_count;
    analyze pg_temp.activity_touched;

    create temporary table if not exists activity_computed (like marts.marts_core_user_activity_daily) on commit drop;
    truncate pg_temp.activity_computed;
    insert into pg_temp.activity_computed (
        activity_date, user_id, login_count, session_count, api_calls_count, features_used, engagement_score,
        is_active, days_since_signup, days_since_last_login, analytics_opt_out, _dbt_loaded_at
    )
    with sessions_day as (
        select s.user_id, s.session_date as activity_date, count(*)::integer as session_count,
               coalesce(sum(s.api_calls_count), 0)::integer as api_calls_count
        from staging.stg_supabase_sessions as s
        join pg_temp.activity_touched as t on t.user_id = s.user_id and t.activity_date = s.session_date
        where not s.is_hard_deleted
        group by 1, 2
    ),
    features_day as (
        select s.user_id, s.session_date as activity_date, array_agg(distinct f.feature order by f.feature) as features_used
        from staging.stg_supabase_sessions as s
        join pg_temp.activity_touched as t on t.user_id = s.user_id and t.activity_date = s.session_date
        cross join lateral unnest(s.features_used) as f (feature)
        where not s.is_hard_deleted
        group by 1, 2
    ),
    events_day as (
        select e.user_id, e.event_date as activity_date, count(*)::integer as event_count,
               (count(*) filter (where e.event_type = 'login_success'))::integer as login_count
        from staging.stg_supabase_auth_events as e
        join pg_temp.activity_touched as t on t.user_id = e.user_id and t.activity_date = e.event_date
        where not e.is_hard_deleted
        group by 1, 2
    ),
    login_days as (
        select distinct e.user_id, e.event_date as login_date
        from staging.stg_supabase_auth_events as e
        where e.user_id in (select t.user_id from pg_temp.activity_touched as t)
          and e.event_type = 'login_success'
          and not e.is_hard_deleted
    ),
    timeline as (
        select t.user_id, t.activity_date as day from pg_temp.activity_touched as t
        union
        select l.user_id, l.login_date from login_days as l
    ),
    last_login as (
        select tl.user_id, tl.day,
               max(l.login_date) over (partition by tl.user_id order by tl.day) as last_login_date
        from timeline as tl
        left join login_days as l on l.user_id = tl.user_id and l.login_date = tl.day
    )
    select
        t.activity_date,
        t.user_id,
        coalesce(ev.login_count, 0),
        coalesce(sd.session_count, 0),
        coalesce(sd.api_calls_count, 0),
        coalesce(fd.features_used, '{}'),
        coalesce(ev.login_count, 0) * v_weight_login
            + coalesce(sd.session_count, 0) * v_weight_session
            + coalesce(sd.api_calls_count, 0) * v_weight_api_call
            + coalesce(cardinality(fd.features_used), 0) * v_weight_feature,
        coalesce(t.activity_date - ll.last_login_date < v_active_days, false),
        t.activity_date - (u.created_at at time zone 'UTC')::date,
        t.activity_date - ll.last_login_date,
        u.analytics_opt_out,
        now()
    from pg_temp.activity_touched as t
    join staging.stg_supabase_users as u on u.user_id = t.user_id and not u.is_hard_deleted
    left join sessions_day as sd on sd.user_id = t.user_id and sd.activity_date = t.activity_date
    left join features_day as fd on fd.user_id = t.user_id and fd.activity_date = t.activity_date
    left join events_day as ev on ev.user_id = t.user_id and ev.activity_date = t.activity_date
    left join last_login as ll on ll.user_id = t.user_id and ll.day = t.activity_date
    where coalesce(sd.session_count, 0) + coalesce(ev.event_count, 0) > 0;

    -- Hard-deleted users leave the mart, every day of them.
    delete from marts.marts_core_user_activity_daily as m
    using staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch and u.is_hard_deleted and m.user_id = u.user_id;
    get diagnostics v_deleted = row_count;
    v_result.rows_out := v_deleted;

    -- Touched days with no activity left (deleted sessions or events) leave the mart.
    delete from marts.marts_core_user_activity_daily as m
    using pg_temp.activity_touched as t
    where m.user_id = t.user_id and m.activity_date = t.activity_date
      and not exists (select 1 from pg_temp.activity_computed as c where c.user_id = t.user_id and c.activity_date = t.activity_date);
    get diagnostics v_deleted = row_count;

    insert into marts.marts_core_user_activity_daily as m
    select * from pg_temp.activity_computed
    on conflict (activity_date, user_id) do update
    set login_count = excluded.login_count,
        session_count = excluded.session_count,
        api_calls_count = excluded.api_calls_count,
        features_used = excluded.features_used,
        engagement_score = excluded.engagement_score,
        is_active = excluded.is_active,
        days_since_signup = excluded.days_since_signup,
        days_since_last_login = excluded.days_since_last_login,
        analytics_opt_out = excluded.analytics_opt_out,
        _dbt_loaded_at = excluded._dbt_loaded_at;
    get diagnostics v_upserted = row_count;

    -- A user who opted out (or back in) since: their other days follow.
    update marts.marts_core_user_activity_daily as m
    set analytics_opt_out = u.analytics_opt_out, _dbt_loaded_at = now()
    from staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
      and m.user_id = u.user_id and m.analytics_opt_out is distinct from u.analytics_opt_out;
    get diagnostics v_opt_out = row_count;

    v_result.rows_in := v_touched;
    v_result.rows_out := v_result.rows_out + v_deleted + v_upserted + v_opt_out;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_core_user_activity_daily(bigint, bigint) is
    'Model marts_core_user_activity_daily: recomputes the (user, day) rows whose sessions or auth events changed in batches '
    '(p_from_batch, p_to_batch], from staging; rows_in counts those pairs.';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('marts_core_user_activity_daily', 'marts', 'marts', 'marts_core_user_activity_daily',
        '{staging.stg_supabase_users,staging.stg_supabase_sessions,staging.stg_supabase_auth_events}',
        'marts.refresh_marts_core_user_activity_daily', 'one row per user per day with activity');

insert into warehouse.model_state (model_name) values ('marts_core_user_activity_daily');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_user_activity_daily__pk__unique', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily', 'unique', null, null,
        '{"columns": ["activity_date", "user_id"]}', 'error', 'One row per user per day.'),
    ('marts_core_user_activity_daily__user_id__relationships', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily',
        'relationships', 'user_id', 'user_id', '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'error',
        'Every active user-day belongs to a user of the dimension.'),
    ('assert_no_negative_metrics', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily', 'no_negative', null, 'user_id',
        '{"columns": ["login_count", "session_count", "api_calls_count", "engagement_score", "days_since_last_login"]}', 'error',
        'The seed''s assert_no_negative_metrics: counts, scores and day gaps are never negative.'),
    ('marts_core_user_activity_daily__no_activity_before_signup', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily',
        'expression', null, 'user_id', '{"where": "days_since_signup < 0"}', 'error', 'No activity is dated before the user signed up.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_core_user_activity_daily', 'marts', 60, 'delete_rows', 'activity_date',
        'Marts keep 5 years of daily user activity.');

select warehouse.enable_mart_rls('marts_core_user_activity_daily');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_core_user_activity_daily', 'user_id = $1');
