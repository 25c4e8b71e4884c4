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
)
-- The visibility map kept current after each daily run (its rows are the newest days, the ones the seed's
-- DAU query reads), for the index-only scan below.
with (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0,
      autovacuum_vacuum_insert_threshold = 10000);

create index idx_marts_activity_daily_user on marts.marts_core_user_activity_daily (user_id, activity_date);
-- The logins analysts count (row-level security adds "not analytics_opt_out"): the seed's DAU query and the
-- active-users aggregates read them with an index-only scan of the days they need.
create index idx_marts_activity_daily_visible_logins on marts.marts_core_user_activity_daily (activity_date, user_id)
    where login_count > 0 and not analytics_opt_out;

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

-- The transformation. Touched: the (user, day) pairs whose sessions or auth events changed, and every
-- day of a user who opted out (or back in) since, or was hard-deleted (they leave the mart).
create function marts.marts_core_user_activity_daily__touched(p_from_batch bigint, p_to_batch bigint)
returns table (user_id uuid, activity_date date)
language sql
stable
begin atomic
    select s.user_id, s.session_date
    from staging.stg_supabase_sessions as s
    where s._batch_id > p_from_batch and s._batch_id <= p_to_batch and s.user_id is not null
    union
    select e.user_id, e.event_date
    from staging.stg_supabase_auth_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.user_id is not null
    union
    select m.user_id, m.activity_date
    from staging.stg_supabase_users as u
    join marts.marts_core_user_activity_daily as m on m.user_id = u.user_id
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
      and (u.is_hard_deleted or m.analytics_opt_out is distinct from u.analytics_opt_out);
end;

comment on function marts.marts_core_user_activity_daily__touched(bigint, bigint) is
    'Model marts_core_user_activity_daily: the (user, day) pairs that batches (p_from_batch, p_to_batch] changed.';

create function marts.marts_core_user_activity_daily__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_user_activity_daily
language sql
stable
begin atomic
    with rules as (
        select
            warehouse.metric('active_window_days')::integer as active_days,
            warehouse.metric('engagement_weight_login') as weight_login,
            warehouse.metric('engagement_weight_session') as weight_session,
            warehouse.metric('engagement_weight_api_call') as weight_api_call,
            warehouse.metric('engagement_weight_feature') as weight_feature
        offset 0
    ),
    touched as (
        select distinct t.user_id, t.activity_date
        from marts.marts_core_user_activity_daily__touched(p_from_batch, p_to_batch) as t
    ),
    sessions_day as (
        select s.user_id, s.session_date as activity_date, count(*)::integer as session_count,
               coalesce(sum(s.api_calls_count), 0)::integer as api_calls_count
        from staging.stg_supabase_sessions as s
        join touched as t on t.user_id = s.user_id and t.activity_date = s.session_date
        where not s.is_hard_deleted
        group by 1, 2
    ),
    features_day as (
        select s.user_id, s.session_date as activity_date, array_agg(distinct f.feature order by f.feature) as features_used
        from staging.stg_supabase_sessions as s
        join touched as t on t.user_id = s.user_id and t.activity_date = s.session_date
        cross join lateral unnest(s.features_used) as f (feature)
        where not s.is_hard_deleted
        group by 1, 2
    ),
    events_day as (
        select e.user_id, e.event_date as activity_date, count(*)::integer as event_count,
               (count(*) filter (where e.event_type = 'login_success'))::integer as login_count
        from staging.stg_supabase_auth_events as e
        join touched as t on t.user_id = e.user_id and t.activity_date = e.event_date
        where not e.is_hard_deleted
        group by 1, 2
    ),
    login_days as (
        select distinct e.user_id, e.event_date as login_date
        from staging.stg_supabase_auth_events as e
        where e.user_id in (select t.user_id from touched as t)
          and e.event_type = 'login_success'
          and not e.is_hard_deleted
    ),
    timeline as (
        select t.user_id, t.activity_date as day from touched as t
        union
        select l.user_id, l.login_date from login_days as l
    ),
    last_login as (
        select tl.user_id, tl.day,
               max(l.login_date) over (partition by tl.user_id order by tl.day) as last_login_date
        from timeline as tl
        left join login_days as l on l.user_id = tl.user_id and l.login_date = tl.day
    ),
    final as (
        select
            t.activity_date,
            t.user_id,
            coalesce(ev.login_count, 0) as login_count,
            coalesce(sd.session_count, 0) as session_count,
            coalesce(sd.api_calls_count, 0) as api_calls_count,
            coalesce(fd.features_used, '{}') as features_used,
            coalesce(ev.login_count, 0) * k.weight_login
                + coalesce(sd.session_count, 0) * k.weight_session
                + coalesce(sd.api_calls_count, 0) * k.weight_api_call
                + coalesce(cardinality(fd.features_used), 0) * k.weight_feature as engagement_score,
            coalesce(t.activity_date - ll.last_login_date < k.active_days, false) as is_active,
            t.activity_date - (u.created_at at time zone 'UTC')::date as days_since_signup,
            t.activity_date - ll.last_login_date as days_since_last_login,
            u.analytics_opt_out,
            now() as _dbt_loaded_at
        from touched as t
        cross join rules as k
        join staging.stg_supabase_users as u on u.user_id = t.user_id and not u.is_hard_deleted
        left join sessions_day as sd on sd.user_id = t.user_id and sd.activity_date = t.activity_date
        left join features_day as fd on fd.user_id = t.user_id and fd.activity_date = t.activity_date
        left join events_day as ev on ev.user_id = t.user_id and ev.activity_date = t.activity_date
        left join last_login as ll on ll.user_id = t.user_id and ll.day = t.activity_date
        where coalesce(sd.session_count, 0) + coalesce(ev.event_count, 0) > 0
    )
    select * from final;
end;

comment on function marts.marts_core_user_activity_daily__rows(bigint, bigint) is
    'Model marts_core_user_activity_daily: the rows of the touched (user, day) pairs, from staging. A pair with no '
    'session or event left (deleted) has no row.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_core_user_activity_daily', 'marts', 'marts', 'marts_core_user_activity_daily', 'recompute_keys', '{activity_date,user_id}',
    'marts.marts_core_user_activity_daily__rows', 'marts.marts_core_user_activity_daily__touched', '{user_id,activity_date}',
    'one row per user per day with activity');

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
