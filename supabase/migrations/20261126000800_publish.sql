-- Write–audit–publish. All staging and mart changes of a run happen in one transaction: the models
-- run in dependency order, the quality tests of each layer run against the uncommitted result, and
-- only if no error-severity test fails is the transaction committed (published). Otherwise it is
-- rolled back: analysts keep seeing the last good state (MVCC: nothing uncommitted is ever visible),
-- the run is marked failed, the failing tests are named, and the test results are kept.

alter table warehouse.pipeline_runs add column failing_tests text[] not null default '{}';
comment on column warehouse.pipeline_runs.failing_tests is 'Error-severity quality tests that failed and kept the run from publishing.';

-- The raw layer's view of which users exist now: the newest version of each id, unless a tombstone.
create view warehouse.raw_current_users as
select v.id as user_id
from (
    select distinct on (r.id) r.id, r.is_tombstone
    from raw.raw_supabase_users as r
    order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
) as v
where not v.is_tombstone;

comment on view warehouse.raw_current_users is
    'One row per user whose newest raw version is not a tombstone: raw''s side of the user-count reconciliation.';
comment on column warehouse.raw_current_users.user_id is 'The user.';

-- ---------------------------------------------------------------------------------------------
-- Quality tests of the core models (the seed's dbt tests, as data)
-- ---------------------------------------------------------------------------------------------

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_users__user_id__unique', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'unique', 'user_id', 'user_id', '{}', 'error',
        'Each user appears once in staging.'),
    ('stg_supabase_users__user_id__not_null', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'not_null', 'user_id', null, '{}', 'error',
        'Every staging user has an id.'),
    ('stg_supabase_users__email_hash__not_null', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'not_null', 'email_hash', 'user_id', '{}', 'error',
        'Every staging user has an email hash.'),
    ('stg_supabase_users__email_hash__unique', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'unique', 'email_hash', 'user_id',
        '{"where": "not is_hard_deleted"}', 'error',
        'An email (trimmed, lowercased) belongs to one user: two accounts with one email are a duplicate key.'),
    ('stg_supabase_users__preferred_auth_method__accepted_values', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'accepted_values',
        'preferred_auth_method', 'user_id', '{"values": ["email", "google", "apple", "magic_link"]}', 'warn',
        'Preferred sign-in methods are the ones the app offers.'),
    ('stg_supabase_sessions__session_id__unique', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'unique', 'session_id', 'session_id', '{}', 'error',
        'Each session appears once in staging.'),
    ('stg_supabase_sessions__user_id__not_null', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'not_null', 'user_id', 'session_id',
        '{"where": "not is_hard_deleted"}', 'error', 'Every session belongs to a user.'),
    ('stg_supabase_sessions__user_id__relationships', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'relationships', 'user_id', 'session_id',
        '{"to_schema": "staging", "to_table": "stg_supabase_users", "to_column": "user_id"}', 'error',
        'Every session''s user exists in staging.'),
    ('stg_supabase_sessions__device_type__accepted_values', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'accepted_values',
        'device_type', 'session_id', '{"values": ["ios", "android", "web"]}', 'warn', 'Device types are ios, android or web.'),
    ('stg_supabase_sessions__ends_after_start', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'expression', null, 'session_id',
        '{"where": "ended_at < started_at"}', 'error', 'No session ends before it starts.'),
    ('stg_supabase_sessions__no_negative_metrics', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'no_negative', null, 'session_id',
        '{"columns": ["api_calls_count", "duration_seconds"]}', 'error', 'Session counts and durations are never negative.'),
    ('stg_supabase_auth_events__event_id__unique', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'unique', 'event_id', 'event_id', '{}', 'error',
        'Each auth event appears once in staging.'),
    ('stg_supabase_auth_events__occurred_at__not_null', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'not_null', 'occurred_at', 'event_id',
        '{"where": "not is_hard_deleted"}', 'error', 'Every auth event has a time.'),
    ('stg_supabase_auth_events__event_type__accepted_values', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'accepted_values',
        'event_type', 'event_id', '{"values": ["login_success", "login_failure", "token_refresh", "logout", "password_reset"]}', 'error',
        'Auth event types are the five the app records.'),
    ('stg_supabase_auth_events__freshness', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'freshness', 'occurred_at', null,
        '{"warn_after": "26 hours", "error_after": "72 hours", "where": "not is_hard_deleted"}', 'error',
        'Data freshness (seed target: under 24 hours): the newest auth event is recent.'),
    ('assert_source_user_counts_match', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'row_count_match', null, null,
        '{"relations": [{"schema": "public", "table": "users", "label": "source"},
                        {"schema": "staging", "table": "stg_supabase_users", "where": "not is_hard_deleted", "label": "staging"}]}',
        'warn', 'The source and staging hold the same users (warn: the source keeps changing while the pipeline runs).'),
    ('marts_core_dim_users__user_id__unique', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'unique', 'user_id', 'user_id', '{}', 'error',
        'One row per user.'),
    ('marts_core_dim_users__user_id__not_null', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'not_null', 'user_id', null, '{}', 'error',
        'Every row has a user.'),
    ('marts_core_dim_users__lifecycle_stage__not_null', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'not_null', 'lifecycle_stage', 'user_id', '{}', 'error',
        'Every user has a lifecycle stage.'),
    ('marts_core_dim_users__lifecycle_stage__accepted_values', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'accepted_values',
        'lifecycle_stage', 'user_id', '{"values": ["new", "active", "at_risk", "churned"]}', 'error', 'Lifecycle stages are the defined ones.'),
    ('assert_user_counts_match', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'row_count_match', null, null,
        '{"relations": [{"schema": "warehouse", "table": "raw_current_users", "label": "raw"},
                        {"schema": "staging", "table": "stg_supabase_users", "where": "not is_hard_deleted", "label": "staging"},
                        {"schema": "marts", "table": "marts_core_dim_users", "label": "marts"}]}',
        'error', 'The seed''s assert_user_counts_match: raw, staging and marts hold the same users.'),
    ('marts_core_user_activity_daily__pk__unique', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily', 'unique', null, null,
        '{"columns": ["activity_date", "user_id"]}', 'error', 'One row per user per day.'),
    ('marts_core_user_activity_daily__user_id__relationships', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily',
        'relationships', 'user_id', 'user_id', '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'error',
        'Every active user-day belongs to a user of the dimension.'),
    ('assert_no_negative_metrics', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily', 'no_negative', null, 'user_id',
        '{"columns": ["login_count", "session_count", "api_calls_count", "engagement_score", "days_since_last_login"]}', 'error',
        'The seed''s assert_no_negative_metrics: counts, scores and day gaps are never negative.'),
    ('marts_core_user_activity_daily__no_activity_before_signup', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily',
        'expression', null, 'user_id', '{"where": "days_since_signup < 0"}', 'error', 'No activity is dated before the user signed up.'),
    ('marts_core_auth_events__event_id__unique', 'marts_core_auth_events', 'marts', 'marts_core_auth_events', 'unique', 'event_id', 'event_id', '{}', 'error',
        'One row per auth event.'),
    ('marts_core_auth_events__user_id__relationships', 'marts_core_auth_events', 'marts', 'marts_core_auth_events', 'relationships', 'user_id', 'event_id',
        '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'warn',
        'Auth events name known users (warn: events of deleted accounts stay in the app''s log).');

-- ---------------------------------------------------------------------------------------------
-- The transform: models, tests, publish
-- ---------------------------------------------------------------------------------------------

create function warehouse.step_json(
    p_step_name text,
    p_target text,
    p_status text,
    p_started_at timestamptz,
    p_rows_in bigint,
    p_rows_out bigint,
    p_detail jsonb default null,
    p_error text default null
)
returns jsonb
language sql
volatile
set search_path = ''
as $$
    select jsonb_build_object(
        'step_name', p_step_name, 'target', p_target, 'status', p_status, 'started_at', p_started_at,
        'finished_at', clock_timestamp(), 'rows_in', p_rows_in, 'rows_out', p_rows_out, 'detail', p_detail, 'error', p_error)
$$;

comment on function warehouse.step_json(text, text, text, timestamptz, bigint, bigint, jsonb, text) is
    'A step log entry kept in memory while the transform runs (it may be rolled back); written to pipeline_steps afterwards.';

create function warehouse.refresh_model(p_model_name text, p_run_id bigint, p_to_batch bigint)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
    v_model warehouse.models;
    v_from bigint;
    v_started_at timestamptz := clock_timestamp();
    v_result warehouse.refresh_result;
begin
    select * into strict v_model from warehouse.models where model_name = p_model_name;
    select s.last_batch_id into v_from from warehouse.model_state as s where s.model_name = p_model_name;
    v_from := coalesce(v_from, 0);
    execute format('select * from %s($1, $2)', v_model.refresh_function::regproc) into v_result using v_from, p_to_batch;
    insert into warehouse.model_state as s (model_name, last_batch_id, last_run_id, refreshed_at)
    values (p_model_name, p_to_batch, p_run_id, now())
    on conflict (model_name) do update
    set last_batch_id = excluded.last_batch_id, last_run_id = excluded.last_run_id, refreshed_at = excluded.refreshed_at;
    return warehouse.step_json('model', p_model_name, 'succeeded', v_started_at, v_result.rows_in, v_result.rows_out,
        jsonb_build_object('from_batch', v_from, 'to_batch', p_to_batch));
end;
$$;

comment on function warehouse.refresh_model(text, bigint, bigint) is
    'Applies the batches after a model''s position up to p_to_batch with its refresh function, advances its position, '
    'and returns the step log entry.';

create function warehouse.clear_models_for_full_refresh()
returns integer
language plpgsql
set search_path = ''
as $$
declare
    v_model record;
    v_count integer := 0;
begin
    -- DELETE, not TRUNCATE: analysts keep reading the old rows until the rebuild commits.
    for v_model in
        select m.target_schema, m.target_table
        from warehouse.model_order() as o
        join warehouse.models as m on m.model_name = o.model_name
        order by o.depth desc, o.model_name
    loop
        execute format('delete from %I.%I', v_model.target_schema, v_model.target_table);
        v_count := v_count + 1;
    end loop;
    update warehouse.model_state set last_batch_id = 0;
    return v_count;
end;
$$;

comment on function warehouse.clear_models_for_full_refresh() is
    'Full refresh (backfill): empties every model table, downstream first, and resets every position to 0.';

create function warehouse.transform_and_publish(p_run_id bigint, p_full_refresh boolean default false)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
    v_to_batch bigint;
    v_steps jsonb := '[]';
    v_results warehouse.quality_test_results[] := '{}';
    v_layer_results warehouse.quality_test_results[];
    v_failing text[] := '{}';
    v_layer text;
    v_model text;
    v_current text;
    v_started_at timestamptz;
    v_status text := 'published';
    v_error text;
begin
    perform warehouse.ensure_pii_salt();
    select coalesce(max(b.batch_id), 0) into v_to_batch from warehouse.extract_batches as b where b.status = 'succeeded';

    begin
        if p_full_refresh then
            v_current := 'full refresh';
            perform warehouse.clear_models_for_full_refresh();
        end if;
        foreach v_layer in array array['staging', 'marts'] loop
            for v_model in select o.model_name from warehouse.model_order() as o where o.layer = v_layer order by o.depth, o.model_name loop
                v_current := v_model;
                v_steps := v_steps || warehouse.refresh_model(v_model, p_run_id, v_to_batch);
            end loop;

            v_current := v_layer || ' tests';
            v_started_at := clock_timestamp();
            select coalesce(array_agg(r order by r.model_name, r.test_name), '{}') into v_layer_results
            from warehouse.run_quality_tests(p_run_id, array(select m.model_name from warehouse.models as m where m.layer = v_layer)) as r;
            v_results := v_results || v_layer_results;
            v_failing := warehouse.failing_tests(v_layer_results);
            v_steps := v_steps || warehouse.step_json('test', v_layer,
                case when cardinality(v_failing) = 0 then 'succeeded' else 'failed' end, v_started_at,
                cardinality(v_layer_results), (select count(*) from unnest(v_layer_results) as r where r.status <> 'pass'),
                jsonb_build_object('failing_tests', v_failing,
                    'warnings', (select coalesce(jsonb_agg(r.test_name), '[]') from unnest(v_layer_results) as r where r.status = 'warn')));
            if cardinality(v_failing) > 0 then
                raise exception 'quality gate: % failed', array_to_string(v_failing, ', ') using errcode = 'PF001';
            end if;
        end loop;
    exception
        when sqlstate 'PF001' then
            v_status := 'blocked';
            v_error := sqlerrm;
        when others then
            v_status := 'failed';
            get stacked diagnostics v_error = message_text;
            v_error := format('%s failed: %s', v_current, v_error);
            v_steps := v_steps || warehouse.step_json('model', v_current, 'failed', clock_timestamp(), null, null, null, v_error);
    end;

    -- The work above is committed by the caller only if published; log what happened either way.
    insert into warehouse.pipeline_steps (run_id, step_name, target, status, started_at, finished_at, rows_in, rows_out, error, detail)
    select p_run_id, s ->> 'step_name', s ->> 'target',
        case when v_status = 'published' or s ->> 'status' = 'failed' then s ->> 'status' else 'rolled_back' end,
        (s ->> 'started_at')::timestamptz, (s ->> 'finished_at')::timestamptz,
        (s ->> 'rows_in')::bigint, (s ->> 'rows_out')::bigint, s ->> 'error', s -> 'detail'
    from jsonb_array_elements(v_steps) with ordinality as e (s, n)
    order by e.n;
    perform warehouse.record_quality_results(v_results);
    insert into warehouse.pipeline_steps (run_id, step_name, target, status, finished_at, rows_in, rows_out, error, detail)
    values (p_run_id, 'publish', 'staging, marts', case when v_status = 'published' then 'succeeded' else 'failed' end,
        clock_timestamp(), null, null, v_error,
        jsonb_build_object('to_batch', v_to_batch, 'tests', cardinality(v_results),
            'tests_failed', (select count(*) from unnest(v_results) as r where r.status in ('fail', 'error')),
            'tests_warned', (select count(*) from unnest(v_results) as r where r.status = 'warn')));

    return jsonb_build_object('status', v_status, 'failing_tests', to_jsonb(v_failing), 'error', v_error);
end;
$$;

comment on function warehouse.transform_and_publish(bigint, boolean) is
    'Write–audit–publish: runs the staging models, their tests, the mart models, their tests, all in one subtransaction; '
    'rolls it back if an error-severity test fails or a model errors, so analysts never see the result. Logs the steps '
    'and test results either way. Returns {status: published|blocked|failed, failing_tests, error}.';

create function warehouse.analyze_published_tables()
returns integer
language plpgsql
set search_path = ''
as $$
declare
    v_table record;
    v_count integer := 0;
begin
    for v_table in
        select m.target_schema as table_schema, m.target_table as table_name from warehouse.models as m
        union
        select s.raw_schema, s.raw_table from warehouse.sources as s
    loop
        execute format('analyze %I.%I', v_table.table_schema, v_table.table_name);
        v_count := v_count + 1;
    end loop;
    return v_count;
end;
$$;

comment on function warehouse.analyze_published_tables() is
    'Refreshes planner statistics of the raw and model tables after a publish: analysts'' queries plan well, and row '
    'estimates in summaries are current. Returns the number of tables analysed.';

-- ---------------------------------------------------------------------------------------------
-- The pipeline: partitions → extract → staging → tests → marts → tests → publish
-- ---------------------------------------------------------------------------------------------

-- No `set search_path` here: a procedure with a SET clause cannot commit. Every name is qualified.
create or replace procedure warehouse.run_pipeline(p_full_refresh boolean default false, inout p_run_id bigint default null)
language plpgsql
as $$
declare
    v_source text;
    v_extracted boolean := true;
    v_publish jsonb;
    v_errors text[] := '{}';
begin
    if not pg_catalog.pg_try_advisory_lock(warehouse.pipeline_lock_key()) then
        insert into warehouse.pipeline_runs (status, full_refresh, finished_at, error)
        values ('skipped', p_full_refresh, pg_catalog.clock_timestamp(), 'another pipeline run is in progress')
        returning run_id into p_run_id;
        raise notice 'warehouse.run_pipeline: another run is in progress; run % skipped', p_run_id;
        return;
    end if;

    insert into warehouse.pipeline_runs (full_refresh) values (p_full_refresh) returning run_id into p_run_id;
    commit;

    perform warehouse.run_partition_upkeep(p_run_id);
    commit;

    for v_source in select s.source_name from warehouse.sources as s where s.is_enabled order by s.source_name loop
        v_extracted := warehouse.run_extract_source(p_run_id, v_source) and v_extracted;
        commit;
    end loop;
    if not v_extracted then
        v_errors := v_errors || ('extraction failed for: ' || (
            select pg_catalog.string_agg(s.target, ', ' order by s.step_id)
            from warehouse.pipeline_steps as s where s.run_id = p_run_id and s.step_name = 'extract' and s.status = 'failed'));
    end if;

    v_publish := warehouse.transform_and_publish(p_run_id, p_full_refresh);
    commit;
    if v_publish ->> 'status' <> 'published' then
        v_errors := v_errors || (v_publish ->> 'error');
    else
        perform warehouse.analyze_published_tables();
    end if;

    update warehouse.pipeline_runs
    set status = case when pg_catalog.cardinality(v_errors) = 0 then 'succeeded' else 'failed' end,
        finished_at = pg_catalog.clock_timestamp(),
        error = nullif(pg_catalog.array_to_string(v_errors, '; '), ''),
        failing_tests = array(select pg_catalog.jsonb_array_elements_text(v_publish -> 'failing_tests'))
    where run_id = p_run_id;
    commit;

    perform pg_catalog.pg_advisory_unlock(warehouse.pipeline_lock_key());
end;
$$;

comment on procedure warehouse.run_pipeline(boolean, bigint) is
    'The pipeline, as the cron job calls it: call warehouse.run_pipeline(). Takes an advisory lock (a concurrent call is '
    'logged as skipped and does nothing), then: partition upkeep; extraction of every enabled source (each committed on '
    'its own); staging, tests, marts, tests and publish in one transaction (warehouse.transform_and_publish). '
    'p_full_refresh rebuilds staging and marts from raw. Returns the run id.';

select warehouse.revoke_api_access();
