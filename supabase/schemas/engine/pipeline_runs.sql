-- Pipeline runs: the run and step logs, and warehouse.run_pipeline, the one procedure the cron job
-- calls. Every run and every step writes its own log row (start, end, rows in and out, status, error).
create function warehouse.session_origin()
returns text
language sql
stable
set search_path = ''
as $$
    select coalesce(
        nullif(current_setting('application_name', true), ''),
        (select a.backend_type from pg_catalog.pg_stat_activity as a where a.pid = pg_catalog.pg_backend_pid()))
$$;

comment on function warehouse.session_origin() is
    'Who is running this session: its application_name, else its backend type (pg_cron for a scheduled job).';

create table warehouse.pipeline_runs (
    run_id bigint generated always as identity primary key,
    status text not null default 'running' check (status in ('running', 'succeeded', 'failed', 'skipped', 'partial')),
    full_refresh boolean not null default false,
    run_by text not null default current_user,
    started_at timestamptz not null default clock_timestamp(),
    finished_at timestamptz,
    error text,
    failing_tests text[] not null default '{}',
    origin text default warehouse.session_origin(),
    check (status = 'running' or finished_at is not null),
    backend_pid integer default pg_catalog.pg_backend_pid()
);

create index pipeline_runs_started_at_idx on warehouse.pipeline_runs (started_at);

comment on table warehouse.pipeline_runs is 'One row per call of warehouse.run_pipeline.';
comment on column warehouse.pipeline_runs.run_id is 'Run id.';
comment on column warehouse.pipeline_runs.status is
    'running, succeeded, failed (some step failed; see pipeline_steps), skipped (another run held the lock), or partial '
    '(it spent its time budget on an unfinished backfill; the next run continues it).';
comment on column warehouse.pipeline_runs.full_refresh is 'Whether staging and marts were rebuilt from raw (the run did or continued a full-refresh backfill).';
comment on column warehouse.pipeline_runs.run_by is 'The database role that ran it (postgres for the cron job).';
comment on column warehouse.pipeline_runs.started_at is 'Start of the run.';
comment on column warehouse.pipeline_runs.finished_at is 'End of the run.';
comment on column warehouse.pipeline_runs.error is 'Why the run failed or was skipped, in one line.';
comment on column warehouse.pipeline_runs.failing_tests is 'Error-severity quality tests that failed and kept the run from publishing.';
comment on column warehouse.pipeline_runs.origin is
    'The session that ran it (warehouse.session_origin()): pg_cron for a scheduled run, else the client''s application_name.';
comment on column warehouse.pipeline_runs.backend_pid is
    'Process id of the database session that ran it: pg_cron''s job_pid for a scheduled run (warehouse.scheduled_runs matches on it).';

create table warehouse.pipeline_steps (
    step_id bigint generated always as identity primary key,
    run_id bigint not null references warehouse.pipeline_runs (run_id) on delete cascade,
    step_name text not null,
    target text,
    status text not null default 'running' check (status in ('running', 'succeeded', 'failed', 'skipped', 'rolled_back')),
    started_at timestamptz not null default clock_timestamp(),
    finished_at timestamptz,
    rows_in bigint,
    rows_out bigint,
    error text,
    detail jsonb,
    check (status = 'running' or finished_at is not null)
);

create index pipeline_steps_run_idx on warehouse.pipeline_steps (run_id, step_id);

comment on table warehouse.pipeline_steps is 'One row per step of a pipeline run (a partition upkeep, a source extracted, a model refreshed, a test pass).';
comment on column warehouse.pipeline_steps.step_id is 'Step id, in execution order.';
comment on column warehouse.pipeline_steps.run_id is 'The run.';
comment on column warehouse.pipeline_steps.step_name is 'What the step does: ensure_partitions, extract, stage, test, model, publish.';
comment on column warehouse.pipeline_steps.target is 'What it did it to: a source or model name.';
comment on column warehouse.pipeline_steps.status is 'running, succeeded, failed, skipped, or rolled_back (its work was discarded because the run did not publish).';
comment on column warehouse.pipeline_steps.started_at is 'Start of the step.';
comment on column warehouse.pipeline_steps.finished_at is 'End of the step.';
comment on column warehouse.pipeline_steps.rows_in is 'Rows the step read.';
comment on column warehouse.pipeline_steps.rows_out is 'Rows the step wrote.';
comment on column warehouse.pipeline_steps.error is 'The error, if the step failed.';
comment on column warehouse.pipeline_steps.detail is 'Step-specific facts (batch id, watermark, partitions created, ...).';

create function warehouse.start_step(p_run_id bigint, p_step_name text, p_target text default null)
returns bigint
language sql
set search_path = ''
as $$
    insert into warehouse.pipeline_steps (run_id, step_name, target)
    values (p_run_id, p_step_name, p_target)
    returning step_id
$$;

comment on function warehouse.start_step(bigint, text, text) is 'Logs the start of a step; returns its step_id.';

create function warehouse.finish_step(
    p_step_id bigint,
    p_status text,
    p_rows_in bigint default null,
    p_rows_out bigint default null,
    p_error text default null,
    p_detail jsonb default null
)
returns void
language plpgsql
set search_path = ''
as $$
declare
    v_step warehouse.pipeline_steps;
begin
    update warehouse.pipeline_steps
    set status = p_status,
        finished_at = clock_timestamp(),
        rows_in = p_rows_in,
        rows_out = p_rows_out,
        error = p_error,
        detail = p_detail
    where step_id = p_step_id
    returning * into v_step;
    perform warehouse.report_step(jsonb_build_object('step_name', v_step.step_name, 'target', v_step.target,
        'status', v_step.status, 'started_at', v_step.started_at, 'finished_at', v_step.finished_at,
        'rows_in', v_step.rows_in, 'rows_out', v_step.rows_out, 'detail', v_step.detail, 'error', v_step.error));
end;
$$;

comment on function warehouse.finish_step(bigint, text, bigint, bigint, text, jsonb) is
    'Logs the end of a step, and reports it to the client at once (warehouse.report_step).';

create function warehouse.pipeline_lock_key()
returns bigint
language sql
immutable
set search_path = ''
as $$
    select 7415220001::bigint
$$;

comment on function warehouse.pipeline_lock_key() is 'The advisory lock key that keeps pipeline runs from overlapping.';

create function warehouse.run_partition_upkeep(p_run_id bigint)
returns integer
language plpgsql
set search_path = ''
as $$
declare
    v_step bigint := warehouse.start_step(p_run_id, 'ensure_partitions');
    v_created jsonb;
    v_default jsonb;
begin
    select coalesce(jsonb_agg(to_jsonb(p)), '[]'::jsonb) into v_created from warehouse.ensure_partitions() as p;
    select coalesce(jsonb_object_agg(d.parent_table, d.row_count), '{}'::jsonb) into v_default
    from warehouse.default_partition_rows() as d where d.row_count > 0;
    perform warehouse.finish_step(v_step, 'succeeded', null, jsonb_array_length(v_created), null,
        jsonb_build_object('partitions_created', v_created, 'rows_in_default', v_default));
    return jsonb_array_length(v_created);
end;
$$;

comment on function warehouse.run_partition_upkeep(bigint) is
    'Pipeline step: ensure_partitions, logged with the partitions created and any rows still in DEFAULT partitions.';

create function warehouse.run_extract_source(p_run_id bigint, p_source_name text)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
    v_step bigint := warehouse.start_step(p_run_id, 'extract', p_source_name);
    v_batch warehouse.extract_batches;
    v_error text;
begin
    begin
        v_batch := warehouse.extract_source(p_source_name, p_run_id);
    exception when others then
        get stacked diagnostics v_error = message_text;
        perform warehouse.record_failed_batch(p_source_name, p_run_id, v_error);
        perform warehouse.finish_step(v_step, 'failed', 0, 0, v_error, null);
        raise warning 'extracting % failed: %', p_source_name, v_error;
        return false;
    end;
    perform warehouse.finish_step(v_step, 'succeeded', v_batch.rows_read, v_batch.rows_inserted + v_batch.tombstones_inserted, null,
        jsonb_build_object('batch_id', v_batch.batch_id, 'tombstones', v_batch.tombstones_inserted,
            'lower_bound', v_batch.lower_bound, 'next_watermark', v_batch.next_watermark));
    return true;
end;
$$;

comment on function warehouse.run_extract_source(bigint, text) is
    'Pipeline step: extracts one source. A failure rolls back that source''s work only, is logged on the step and '
    'as a failed batch, and returns false; the other sources still run.';

-- No `set search_path` here: a procedure with a SET clause cannot commit. Every name is qualified.

-- The pipeline: partitions → extract → staging → tests → marts → tests → publish

-- No `set search_path` here: a procedure with a SET clause cannot commit. Every name is qualified.
create or replace procedure warehouse.run_pipeline(
    p_full_refresh boolean default false,
    inout p_run_id bigint default null,
    p_time_budget interval default null
)
language plpgsql
as $$
declare
    v_source text;
    v_extracted boolean := true;
    v_publish jsonb;
    v_errors text[] := '{}';
    v_backfill record;
    v_outcome text;
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

    -- A first load or a full refresh is a backfill: steps that each commit, continued by later runs
    -- (engine/backfill.sql). A full refresh asked for while one is unfinished continues that one.
    select * into v_backfill from warehouse.unfinished_backfill();
    if v_backfill.backfill_id is null and (p_full_refresh or not warehouse.has_published()) then
        perform warehouse.plan_backfill(case when p_full_refresh then 'full_refresh' else 'initial' end, p_run_id);
        commit;
        select * into v_backfill from warehouse.unfinished_backfill();
    end if;
    if v_backfill.status = 'running' then
        update warehouse.pipeline_runs set full_refresh = (v_backfill.reason = 'full_refresh') where run_id = p_run_id;
        call warehouse.run_backfill(v_backfill.backfill_id, p_run_id,
            coalesce(p_time_budget, warehouse.pipeline_setting('backfill_time_budget')::interval), v_outcome);
        perform warehouse.schedule_backfill_continuation(v_outcome in ('partial', 'failed'));
        update warehouse.pipeline_runs
        set status = case v_outcome when 'published' then 'succeeded' when 'partial' then 'partial' else 'failed' end,
            finished_at = pg_catalog.clock_timestamp(),
            error = case v_outcome
                when 'blocked' then 'quality gate: ' || pg_catalog.array_to_string(failing_tests, ', ') || ' failed'
                else error end
        where run_id = p_run_id;
        commit;
        perform pg_catalog.pg_advisory_unlock(warehouse.pipeline_lock_key());
        return;
    end if;

    for v_source in select s.source_name from warehouse.sources as s where s.is_enabled order by s.source_name loop
        v_extracted := warehouse.run_extract_source(p_run_id, v_source) and v_extracted;
        commit;
    end loop;
    if not v_extracted then
        v_errors := v_errors || ('extraction failed for: ' || (
            select pg_catalog.string_agg(s.target, ', ' order by s.step_id)
            from warehouse.pipeline_steps as s where s.run_id = p_run_id and s.step_name = 'extract' and s.status = 'failed'));
    end if;

    -- After a blocked backfill every test runs on all rows: its rows were never published.
    v_publish := warehouse.transform_and_publish(p_run_id, false, coalesce(v_backfill.status = 'blocked', false));
    if v_publish ->> 'status' = 'published' and coalesce(v_backfill.status = 'blocked', false) then
        update warehouse.backfills set status = 'succeeded', finished_at = pg_catalog.clock_timestamp()
        where backfill_id = v_backfill.backfill_id;
    end if;
    commit;
    -- (no ANALYZE of every table here: the materializers analyze what a run changed much of, and
    -- autovacuum the rest; at 1,000,000 users analyzing every table would cost more than the run)
    if v_publish ->> 'status' <> 'published' then
        v_errors := v_errors || (v_publish ->> 'error');
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

comment on procedure warehouse.run_pipeline(boolean, bigint, interval) is
    'The pipeline, as the cron job calls it: call warehouse.run_pipeline(). Takes an advisory lock (a concurrent call is '
    'logged as skipped and does nothing), then partition upkeep. A first load (nothing published yet) or p_full_refresh '
    'plans a backfill, and while one is unfinished every run continues it (engine/backfill.sql) for at most '
    'p_time_budget (default: the backfill_time_budget setting), ending as partial if steps are left. Otherwise the '
    'daily run: extraction of every enabled source (each committed on its own); staging, tests, marts, tests and '
    'publish in one transaction (warehouse.transform_and_publish). Returns the run id.';
