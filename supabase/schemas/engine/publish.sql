-- Write–audit–publish. All staging and mart changes of a run happen in one transaction: the models
-- run in dependency order, the quality tests of each layer run against the uncommitted result, and
-- only if no error-severity test fails is the transaction committed (published). Otherwise it is
-- rolled back: analysts keep seeing the last good state (MVCC: nothing uncommitted is ever visible),
-- the run is marked failed, the failing tests are named, and the test results are kept.

-- Progress: every step, as it finishes, is also sent to the client as a NOTICE (SQLSTATE PF100, the
-- step as JSON in DETAIL), so `npm start` and `npm run pipeline` print each step while the run's
-- transaction is still open (its step log rows become visible only when it ends).
create function warehouse.report_step(p_step jsonb)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
begin
    raise notice using
        message = format('%s %s: %s%s (%s s)', p_step ->> 'step_name', coalesce(p_step ->> 'target', ''), p_step ->> 'status',
            case when p_step ->> 'rows_out' is not null then format(', rows in %s, out %s', coalesce(p_step ->> 'rows_in', '-'), p_step ->> 'rows_out') else '' end,
            round(extract(epoch from (p_step ->> 'finished_at')::timestamptz - (p_step ->> 'started_at')::timestamptz)::numeric, 2)),
        detail = p_step::text,
        errcode = 'PF100';
    return p_step;
end;
$$;

comment on function warehouse.report_step(jsonb) is
    'Sends a finished step to the client as a NOTICE (SQLSTATE PF100; DETAIL: the step as JSON with step_name, target, '
    'status, started_at, finished_at, rows_in, rows_out) and returns it: the progress a client prints while a run goes on.';

-- The transform: models, tests, publish
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
    select warehouse.report_step(jsonb_build_object(
        'step_name', p_step_name, 'target', p_target, 'status', p_status, 'started_at', p_started_at,
        'finished_at', clock_timestamp(), 'rows_in', p_rows_in, 'rows_out', p_rows_out, 'detail', p_detail, 'error', p_error))
$$;

comment on function warehouse.step_json(text, text, text, timestamptz, bigint, bigint, jsonb, text) is
    'A step log entry kept in memory while the transform runs (it may be rolled back); written to pipeline_steps '
    'afterwards, and reported to the client at once (warehouse.report_step).';

create function warehouse.refresh_model(p_model_name text, p_run_id bigint, p_to_batch bigint)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
    v_from bigint;
    v_started_at timestamptz := clock_timestamp();
    v_result warehouse.refresh_result;
begin
    select s.last_batch_id into v_from from warehouse.model_state as s where s.model_name = p_model_name;
    v_from := coalesce(v_from, 0);
    v_result := warehouse.materialize(p_model_name, v_from, p_to_batch);
    insert into warehouse.model_state as s (model_name, last_batch_id, last_run_id, refreshed_at)
    values (p_model_name, p_to_batch, p_run_id, now())
    on conflict (model_name) do update
    set last_batch_id = excluded.last_batch_id, last_run_id = excluded.last_run_id, refreshed_at = excluded.refreshed_at;
    return warehouse.step_json('model', p_model_name, 'succeeded', v_started_at, v_result.rows_in, v_result.rows_out,
        jsonb_build_object('from_batch', v_from, 'to_batch', p_to_batch));
end;
$$;

comment on function warehouse.refresh_model(text, bigint, bigint) is
    'Applies the batches after a model''s position up to p_to_batch with its materializer, advances its position, '
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

create function warehouse.transform_and_publish(p_run_id bigint, p_full_refresh boolean default false, p_all_tests boolean default false)
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
    v_changed_only boolean;
begin
    perform warehouse.ensure_pii_salt();
    perform warehouse.apply_step_settings(false);
    -- Tests check what the run changed, unless every row is new anyway (a first load, a full refresh).
    v_changed_only := not coalesce(p_full_refresh, false) and not coalesce(p_all_tests, false)
        and not exists (select 1 from warehouse.model_state as s where coalesce(s.last_batch_id, 0) = 0);
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
            from warehouse.run_quality_tests(p_run_id, array(select m.model_name from warehouse.models as m where m.layer = v_layer),
                v_changed_only) as r;
            v_results := v_results || v_layer_results;
            v_failing := warehouse.failing_tests(v_layer_results);
            v_steps := v_steps || warehouse.step_json('test', v_layer,
                case when cardinality(v_failing) = 0 then 'succeeded' else 'failed' end, v_started_at,
                cardinality(v_layer_results), (select count(*) from unnest(v_layer_results) as r where r.status in ('warn', 'fail', 'error')),
                jsonb_build_object('failing_tests', v_failing,
                    'warnings', (select coalesce(jsonb_agg(r.test_name), '[]') from unnest(v_layer_results) as r where r.status = 'warn'),
                    'scope', case when v_changed_only then 'changed' else 'all' end,
                    'skipped', (select count(*) from unnest(v_layer_results) as r where r.status = 'skipped')));
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
    perform warehouse.report_step(jsonb_build_object('step_name', 'publish', 'target', 'staging, marts',
        'status', case when v_status = 'published' then 'succeeded' else 'failed' end,
        'started_at', clock_timestamp(), 'finished_at', clock_timestamp(), 'error', v_error));

    return jsonb_build_object('status', v_status, 'failing_tests', to_jsonb(v_failing), 'error', v_error);
end;
$$;

comment on function warehouse.transform_and_publish(bigint, boolean, boolean) is
    'Write–audit–publish: runs the staging models, their tests, the mart models, their tests, all in one subtransaction '
    '(the tests on the rows the models changed, or on all rows in a first load, a full refresh or with p_all_tests); '
    'rolls it back if an error-severity test fails or a model errors, so analysts never see the result. Logs the steps '
    'and test results either way. Returns {status: published|blocked|failed, failing_tests, error}.';
