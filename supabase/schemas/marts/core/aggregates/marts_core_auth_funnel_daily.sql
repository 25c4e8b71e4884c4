-- Model marts_core_auth_funnel_daily. Grain: one row per day per sign-in method with an auth event.
-- Pre-aggregated auth-funnel counts, so that marts.kpi_auth_funnel sums at most 7 rows per week and method
-- instead of counting the events. Counts only the events of users who did not opt out of analytics.
-- Materialized per day (recompute_keys on event_date): touched, the days of the auth events the batches
-- changed (new, late or deleted) and every day with an event of a user kpi_recounted_users names (opted
-- out or back in, new, hard-deleted).

create table marts.marts_core_auth_funnel_daily (
    event_date date not null,
    auth_method varchar(50) not null,
    auth_events integer not null default 0,
    login_attempts integer not null default 0,
    login_successes integer not null default 0,
    login_failures integer not null default 0,
    token_refreshes integer not null default 0,
    _dbt_loaded_at timestamptz default now(),
    primary key (event_date, auth_method)
);

comment on table marts.marts_core_auth_funnel_daily is
    'Aggregate: the auth funnel by day. Grain: one row per day per sign-in method with an auth event (users who opted out '
    'of analytics are not counted). Use: login attempts, successes and failures, token refreshes (marts.kpi_auth_funnel).';
comment on column marts.marts_core_auth_funnel_daily.event_date is 'The UTC day.';
comment on column marts.marts_core_auth_funnel_daily.auth_method is 'Sign-in method (unknown when not recorded).';
comment on column marts.marts_core_auth_funnel_daily.auth_events is 'Auth events of any type.';
comment on column marts.marts_core_auth_funnel_daily.login_attempts is 'Logins attempted.';
comment on column marts.marts_core_auth_funnel_daily.login_successes is 'Logins that succeeded.';
comment on column marts.marts_core_auth_funnel_daily.login_failures is 'Logins that failed.';
comment on column marts.marts_core_auth_funnel_daily.token_refreshes is 'Session token refreshes.';
comment on column marts.marts_core_auth_funnel_daily._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_core_auth_funnel_daily__touched(p_from_batch bigint, p_to_batch bigint)
returns table (event_date date)
language sql
stable
begin atomic
    -- the days of the auth events the batches changed
    select e.event_date
    from staging.stg_supabase_auth_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.event_date is not null
    union
    -- every day with an event of a user who opted out or back in, is new, or was hard-deleted
    select e.event_date
    from staging.stg_supabase_auth_events as e
    join marts.kpi_recounted_users(p_from_batch, p_to_batch) as r on r.user_id = e.user_id
    where e.event_date is not null;
end;

comment on function marts.marts_core_auth_funnel_daily__touched(bigint, bigint) is
    'Model marts_core_auth_funnel_daily: the days batches (p_from_batch, p_to_batch] may have changed: those of each '
    'changed auth event, and every day with an event of a user marts.kpi_recounted_users names.';

create function marts.marts_core_auth_funnel_daily__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_auth_funnel_daily
language sql
stable
begin atomic
    with touched as (
        select distinct t.event_date
        from marts.marts_core_auth_funnel_daily__touched(p_from_batch, p_to_batch) as t
    ),
    final as (
        select
            e.event_date,
            coalesce(e.auth_method, 'unknown') as auth_method,
            count(*)::integer as auth_events,
            (count(*) filter (where e.is_login_attempt))::integer as login_attempts,
            (count(*) filter (where e.is_login_success))::integer as login_successes,
            (count(*) filter (where e.is_login_failure))::integer as login_failures,
            (count(*) filter (where e.is_token_refresh))::integer as token_refreshes,
            now() as _dbt_loaded_at
        from marts.marts_core_auth_events as e
        join touched as t on t.event_date = e.event_date
        where not e.analytics_opt_out
        group by e.event_date, coalesce(e.auth_method, 'unknown')
    )
    select * from final;
end;

comment on function marts.marts_core_auth_funnel_daily__rows(bigint, bigint) is
    'Model marts_core_auth_funnel_daily: the counts per sign-in method of each day of marts_core_auth_funnel_daily__touched '
    '(batches p_from_batch, p_to_batch], from marts_core_auth_events without users who opted out.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_core_auth_funnel_daily', 'marts', 'marts', 'marts_core_auth_funnel_daily', 'recompute_keys', '{event_date,auth_method}',
    'marts.marts_core_auth_funnel_daily__rows', 'marts.marts_core_auth_funnel_daily__touched', '{event_date}',
    'one row per day per sign-in method with an auth event');

insert into warehouse.model_state (model_name) values ('marts_core_auth_funnel_daily');

select warehouse.enable_aggregate_rls('marts_core_auth_funnel_daily');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_auth_funnel_daily__pk__unique', 'marts_core_auth_funnel_daily', 'marts', 'marts_core_auth_funnel_daily',
        'unique', null, null, '{"columns": ["event_date", "auth_method"]}', 'error', 'One row per day per sign-in method.'),
    ('marts_core_auth_funnel_daily__no_negative_counts', 'marts_core_auth_funnel_daily', 'marts', 'marts_core_auth_funnel_daily',
        'no_negative', null, 'event_date',
        '{"columns": ["auth_events", "login_attempts", "login_successes", "login_failures", "token_refreshes"]}', 'error',
        'Auth-funnel counts are never negative.'),
    ('marts_core_auth_funnel_daily__outcomes_within_attempts', 'marts_core_auth_funnel_daily', 'marts', 'marts_core_auth_funnel_daily',
        'expression', null, 'event_date', '{"where": "login_successes + login_failures > login_attempts or login_attempts > auth_events"}',
        'error', 'Successes and failures are login attempts, and attempts are auth events.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_core_auth_funnel_daily', 'marts', 60, 'delete_rows', 'event_date',
        'Marts keep 5 years of daily auth-funnel counts, as they keep the auth events.');
