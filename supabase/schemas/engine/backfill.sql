-- Backfill: the first load, and a full refresh, in steps that each commit. A daily run is one small
-- transaction (engine/publish.sql); a first load at 1,000,000 users would be one transaction of an
-- hour. So warehouse.run_pipeline plans a backfill instead: one step per source extracted, per model
-- rebuilt, per layer tested, and a publish step, each in its own transaction of minutes. A run does
-- steps until its time budget (warehouse.pipeline_settings.backfill_time_budget) is spent, ends as
-- partial, and the next run (the daily job, or petforce-warehouse-backfill every 10 minutes while one
-- is unfinished) continues at the first step not done: a killed load resumes where it stopped.
--
-- Analysts see an empty warehouse while a backfill is unfinished, never a half-loaded one: the
-- analysts' row-level security policy of every mart asks marts.is_published(), false from the
-- moment a backfill is planned until its publish step (after every test passed) commits.
create table warehouse.backfills (
    backfill_id bigint generated always as identity primary key,
    reason text not null check (reason in ('initial', 'full_refresh')),
    status text not null default 'running' check (status in ('running', 'blocked', 'succeeded')),
    to_batch bigint,
    planned_by_run bigint,
    started_at timestamptz not null default clock_timestamp(),
    finished_at timestamptz,
    check (status <> 'succeeded' or finished_at is not null)
);

create unique index backfills_one_unfinished_idx on warehouse.backfills ((true)) where status in ('running', 'blocked');

comment on table warehouse.backfills is
    'One row per backfill: a first load or a full refresh, run in steps (warehouse.backfill_steps) that each commit. '
    'At most one is unfinished at a time.';
comment on column warehouse.backfills.backfill_id is 'Backfill id.';
comment on column warehouse.backfills.reason is 'initial (nothing was ever published) or full_refresh (staging and marts rebuilt from raw).';
comment on column warehouse.backfills.status is
    'running (steps left), blocked (a layer''s error-severity test failed: nothing is published until a later run '
    'passes every test), succeeded (published).';
comment on column warehouse.backfills.to_batch is
    'The extraction batch every model is brought to: the newest succeeded batch when the first model step ran.';
comment on column warehouse.backfills.planned_by_run is 'The pipeline run that planned it.';
comment on column warehouse.backfills.started_at is 'When it was planned.';
comment on column warehouse.backfills.finished_at is 'When it published.';

create table warehouse.backfill_steps (
    backfill_id bigint not null references warehouse.backfills (backfill_id) on delete cascade,
    step_no integer not null,
    step_kind text not null check (step_kind in ('extract', 'model', 'test', 'publish')),
    target text not null,
    status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
    estimated_rows bigint not null default 0,
    rows_out bigint,
    run_id bigint,
    started_at timestamptz,
    finished_at timestamptz,
    last_error text,
    primary key (backfill_id, step_no)
);

comment on table warehouse.backfill_steps is
    'The plan of a backfill, one row per step in execution order; each step commits on its own.';
comment on column warehouse.backfill_steps.backfill_id is 'The backfill.';
comment on column warehouse.backfill_steps.step_no is 'Position in the plan.';
comment on column warehouse.backfill_steps.step_kind is
    'extract (one source), model (one model rebuilt to the backfill''s to_batch), test (one layer''s tests on all rows), publish.';
comment on column warehouse.backfill_steps.target is 'The source, model or layer.';
comment on column warehouse.backfill_steps.status is
    'pending (not done; a step that raised stays pending and is retried by the next run), succeeded, failed (an '
    'extraction that failed, left to the daily runs, or a test step that blocked the backfill).';
comment on column warehouse.backfill_steps.estimated_rows is 'Rows the step is expected to write (planner statistics): what progress and time left are measured in.';
comment on column warehouse.backfill_steps.rows_out is 'Rows it wrote.';
comment on column warehouse.backfill_steps.run_id is 'The pipeline run that did it.';
comment on column warehouse.backfill_steps.started_at is 'Start of the step.';
comment on column warehouse.backfill_steps.finished_at is 'End of the step.';
comment on column warehouse.backfill_steps.last_error is 'The error of its last failed attempt.';

create index pipeline_steps_published_idx on warehouse.pipeline_steps (run_id) where step_name = 'publish' and status = 'succeeded';

create function warehouse.unfinished_backfill()
returns warehouse.backfills
language sql
stable
set search_path = ''
as $$
    select b.* from warehouse.backfills as b where b.status in ('running', 'blocked')
$$;

comment on function warehouse.unfinished_backfill() is 'The backfill that is running or blocked, if any (all columns NULL if none).';

create function warehouse.has_published()
returns boolean
language sql
stable
set search_path = ''
as $$
    select not exists (select 1 from warehouse.backfills as b where b.status in ('running', 'blocked'))
       and exists (select 1 from warehouse.pipeline_steps as s where s.step_name = 'publish' and s.status = 'succeeded')
$$;

comment on function warehouse.has_published() is
    'Whether analysts may see the marts: something was published, and no backfill is unfinished.';

create function marts.is_published()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select warehouse.has_published()
$$;

comment on function marts.is_published() is
    'The publication gate of the analysts'' row-level security policies: false while a first load or full refresh is '
    'unfinished (warehouse.has_published), so analysts see an empty warehouse, never a half-loaded one.';

grant execute on function marts.is_published() to analyst_role, data_engineer_role;

-- Planning
create function warehouse.estimated_rows(p_relation regclass)
returns bigint
language sql
stable
set search_path = ''
as $$
    select greatest(c.reltuples, 0)::bigint from pg_catalog.pg_class as c where c.oid = p_relation
$$;

comment on function warehouse.estimated_rows(regclass) is 'The planner''s row estimate of a table (0 if never analyzed).';

create function warehouse.plan_backfill(p_reason text, p_run_id bigint)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
    v_backfill_id bigint;
begin
    insert into warehouse.backfills (reason, planned_by_run) values (p_reason, p_run_id) returning backfill_id into v_backfill_id;
    -- source row estimates, fresh
    perform warehouse.analyze_sources();
    with source_rows as (
        select s.source_name, s.raw_schema || '.' || s.raw_table as raw_table, s.watermark,
               warehouse.estimated_rows(format('%I.%I', s.source_schema, s.source_table)::regclass) as estimated
        from warehouse.sources as s
        where s.is_enabled
    ),
    lineage as materialized (
        select l.model_name, r.name as reads from warehouse.model_lineage() as l cross join lateral unnest(l.reads) as r (name)
    ),
    -- a model writes about as many rows as the largest source it reads, through raw or through staging
    model_sources as (
        select l.model_name, r.estimated from lineage as l join source_rows as r on r.raw_table = l.reads
        union all
        select l.model_name, r.estimated
        from lineage as l
        join warehouse.models as m on m.target_schema || '.' || m.target_table = l.reads
        join lineage as ml on ml.model_name = m.model_name
        join source_rows as r on r.raw_table = ml.reads
    ),
    model_rows as (
        select o.model_name, o.layer, o.depth,
               coalesce((select max(ms.estimated) from model_sources as ms where ms.model_name = o.model_name), 0) as estimated
        from warehouse.model_order() as o
    ),
    plan as (
        -- an extraction reads the whole source only if it never ran (else what changed: about nothing)
        select 1 as phase, 0 as depth, 'extract' as step_kind, r.source_name as target,
               case when r.watermark is null then r.estimated else 0 end as estimated
        from source_rows as r
        union all
        select case when m.layer = 'staging' then 2 else 4 end, m.depth, 'model', m.model_name, m.estimated from model_rows as m
        union all
        select 3, 0, 'test', 'staging', 0
        union all
        select 5, 0, 'test', 'marts', 0
        union all
        select 6, 0, 'publish', 'staging, marts', 0
    )
    insert into warehouse.backfill_steps (backfill_id, step_no, step_kind, target, estimated_rows)
    select v_backfill_id, row_number() over (order by p.phase, p.depth, p.target), p.step_kind, p.target, p.estimated
    from plan as p;
    return v_backfill_id;
end;
$$;

comment on function warehouse.plan_backfill(text, bigint) is
    'Plans a backfill (reason initial or full_refresh): extract every enabled source, rebuild every staging model, '
    'test staging, rebuild every mart in dependency order, test marts, publish; with row estimates for progress. '
    'From this moment analysts see an empty warehouse (marts.is_published) until it publishes.';

create function warehouse.analyze_sources()
returns integer
language plpgsql
set search_path = ''
as $$
declare
    v_source record;
    v_count integer := 0;
begin
    for v_source in
        select s.source_schema, s.source_table from warehouse.sources as s
        where s.is_enabled and to_regclass(format('%I.%I', s.source_schema, s.source_table)) is not null
    loop
        execute format('analyze %I.%I', v_source.source_schema, v_source.source_table);
        v_count := v_count + 1;
    end loop;
    return v_count;
end;
$$;

comment on function warehouse.analyze_sources() is 'Refreshes the planner statistics of every enabled source table (for the row estimates of a backfill plan).';

create function warehouse.backfill_progress(p_backfill_id bigint)
returns jsonb
language sql
stable
set search_path = ''
as $$
    with steps as (
        select s.* from warehouse.backfill_steps as s where s.backfill_id = p_backfill_id
    ),
    totals as (
        select
            count(*) as steps_total,
            count(*) filter (where s.status <> 'pending') as steps_done,
            coalesce(sum(greatest(s.estimated_rows, coalesce(s.rows_out, 0))), 0) as rows_total,
            coalesce(sum(s.rows_out) filter (where s.status <> 'pending'), 0) as rows_done,
            coalesce(sum(extract(epoch from s.finished_at - s.started_at)) filter (where s.status <> 'pending'), 0) as seconds_spent,
            coalesce(sum(s.estimated_rows) filter (where s.status = 'pending'), 0) as rows_left
        from steps as s
    )
    select jsonb_build_object(
        'backfill_id', p_backfill_id,
        'reason', b.reason,
        'status', b.status,
        'steps_total', t.steps_total,
        'steps_done', t.steps_done,
        'rows_done', t.rows_done,
        'rows_total', t.rows_total,
        'seconds_spent', round(t.seconds_spent::numeric, 1),
        'rows_per_second', case when t.seconds_spent > 0 then round(t.rows_done / t.seconds_spent) end,
        'seconds_left', case when t.rows_done > 0 then round(t.rows_left * t.seconds_spent / t.rows_done) end,
        'next_step', (select s.step_kind || ' ' || s.target from steps as s where s.status = 'pending' order by s.step_no limit 1))
    from totals as t
    cross join warehouse.backfills as b
    where b.backfill_id = p_backfill_id
$$;

comment on function warehouse.backfill_progress(bigint) is
    'How far a backfill is: steps and rows done of the estimate, seconds spent in steps, rows per second, and the '
    'seconds left at that rate; the progress a client shows.';

-- Steps
create function warehouse.run_backfill_step(p_backfill_id bigint, p_step_no integer, p_run_id bigint)
returns text
language plpgsql
set search_path = ''
as $$
declare
    v_backfill warehouse.backfills;
    v_step warehouse.backfill_steps;
    v_model warehouse.models;
    v_entry jsonb;
    v_results warehouse.quality_test_results[];
    v_failing text[];
    v_started_at timestamptz := clock_timestamp();
    v_rows bigint := 0;
    v_outcome text := 'succeeded';
begin
    select * into strict v_backfill from warehouse.backfills where backfill_id = p_backfill_id;
    select * into strict v_step from warehouse.backfill_steps where backfill_id = p_backfill_id and step_no = p_step_no;
    perform warehouse.apply_step_settings(true);

    case v_step.step_kind
    when 'extract' then
        -- a failed extraction is logged by run_extract_source and left to the daily runs (as in a daily run)
        if not warehouse.run_extract_source(p_run_id, v_step.target) then
            v_outcome := 'failed';
        end if;
        select b.rows_inserted + b.tombstones_inserted into v_rows
        from warehouse.extract_batches as b
        where b.source_name = v_step.target and b.run_id = p_run_id
        order by b.batch_id desc limit 1;
        execute (select format('analyze %I.%I', s.raw_schema, s.raw_table) from warehouse.sources as s where s.source_name = v_step.target);

    when 'model' then
        perform warehouse.ensure_pii_salt();
        update warehouse.backfills
        set to_batch = coalesce(to_batch,
            (select coalesce(max(b.batch_id), 0) from warehouse.extract_batches as b where b.status = 'succeeded'))
        where backfill_id = p_backfill_id
        returning * into v_backfill;
        select * into strict v_model from warehouse.models where model_name = v_step.target;
        if v_backfill.reason = 'full_refresh' then
            -- analysts see nothing until the publish step, so the table can go at once
            execute format('truncate %I.%I', v_model.target_schema, v_model.target_table);
            update warehouse.model_state set last_batch_id = 0 where model_name = v_model.model_name;
        end if;
        v_entry := warehouse.refresh_model(v_model.model_name, p_run_id, v_backfill.to_batch);
        v_rows := (v_entry ->> 'rows_out')::bigint;
        insert into warehouse.pipeline_steps (run_id, step_name, target, status, started_at, finished_at, rows_in, rows_out, detail)
        values (p_run_id, 'model', v_model.model_name, 'succeeded', v_started_at, clock_timestamp(),
            (v_entry ->> 'rows_in')::bigint, v_rows, (v_entry -> 'detail') || jsonb_build_object('backfill_id', p_backfill_id));

    when 'test' then
        select coalesce(array_agg(r order by r.model_name, r.test_name), '{}') into v_results
        from warehouse.run_quality_tests(p_run_id,
            array(select m.model_name from warehouse.models as m where m.layer = v_step.target), false) as r;
        perform warehouse.record_quality_results(v_results);
        v_failing := warehouse.failing_tests(v_results);
        v_rows := cardinality(v_results);
        v_entry := warehouse.step_json('test', v_step.target,
            case when cardinality(v_failing) = 0 then 'succeeded' else 'failed' end, v_started_at,
            cardinality(v_results), (select count(*) from unnest(v_results) as r where r.status in ('warn', 'fail', 'error')),
            jsonb_build_object('failing_tests', v_failing, 'scope', 'all', 'backfill_id', p_backfill_id,
                'warnings', (select coalesce(jsonb_agg(r.test_name), '[]') from unnest(v_results) as r where r.status = 'warn'),
                'skipped', (select count(*) from unnest(v_results) as r where r.status = 'skipped')));
        insert into warehouse.pipeline_steps (run_id, step_name, target, status, started_at, finished_at, rows_in, rows_out, detail)
        values (p_run_id, 'test', v_step.target, v_entry ->> 'status', v_started_at, clock_timestamp(),
            (v_entry ->> 'rows_in')::bigint, (v_entry ->> 'rows_out')::bigint, v_entry -> 'detail');
        if cardinality(v_failing) > 0 then
            update warehouse.backfills set status = 'blocked' where backfill_id = p_backfill_id;
            update warehouse.pipeline_runs set failing_tests = v_failing where run_id = p_run_id;
            v_outcome := 'blocked';
        end if;

    when 'publish' then
        -- every raw table was analyzed after its extraction, every model table after its rebuild
        update warehouse.backfills set status = 'succeeded', finished_at = clock_timestamp() where backfill_id = p_backfill_id;
        insert into warehouse.pipeline_steps (run_id, step_name, target, status, started_at, finished_at, detail)
        values (p_run_id, 'publish', 'staging, marts', 'succeeded', v_started_at, clock_timestamp(),
            jsonb_build_object('backfill_id', p_backfill_id, 'to_batch', v_backfill.to_batch));
        perform warehouse.report_step(jsonb_build_object('step_name', 'publish', 'target', 'staging, marts', 'status', 'succeeded',
            'started_at', v_started_at, 'finished_at', clock_timestamp()));
    end case;

    update warehouse.backfill_steps
    set status = case when v_outcome = 'succeeded' then 'succeeded' else 'failed' end,
        rows_out = coalesce(v_rows, 0), run_id = p_run_id, started_at = v_started_at, finished_at = clock_timestamp()
    where backfill_id = p_backfill_id and step_no = p_step_no;
    v_entry := warehouse.backfill_progress(p_backfill_id);
    raise notice using
        message = format('backfill %s: %s of %s steps done, %s rows', p_backfill_id, v_entry ->> 'steps_done',
            v_entry ->> 'steps_total', v_entry ->> 'rows_done'),
        detail = v_entry::text, errcode = 'PF101';
    return v_outcome;
end;
$$;

comment on function warehouse.run_backfill_step(bigint, integer, bigint) is
    'Does one step of a backfill in the caller''s transaction and marks it done: extract a source (then analyze its raw '
    'table), rebuild a model to the backfill''s to_batch (a full refresh truncates it first), test a layer on all rows '
    '(a failing error-severity test blocks the backfill), or publish. Sends the progress as a NOTICE (SQLSTATE PF101, '
    'DETAIL: warehouse.backfill_progress). Returns succeeded, failed (extraction) or blocked (tests); raises when a '
    'model fails, leaving the step pending.';

-- No `set search_path` here: a procedure with a SET clause cannot commit. Every name is qualified.
create procedure warehouse.run_backfill(p_backfill_id bigint, p_run_id bigint, p_time_budget interval, inout p_outcome text default null)
language plpgsql
as $$
declare
    v_started_at timestamptz := pg_catalog.clock_timestamp();
    v_step record;
    v_steps_done integer := 0;
    v_result text;
    v_error text;
    v_failed_extracts text[] := '{}';
begin
    p_outcome := 'published';
    loop
        select s.step_no, s.step_kind, s.target into v_step
        from warehouse.backfill_steps as s
        where s.backfill_id = p_backfill_id and s.status = 'pending'
        order by s.step_no
        limit 1;
        exit when not found;
        if v_steps_done > 0 and pg_catalog.clock_timestamp() - v_started_at > p_time_budget then
            p_outcome := 'partial';
            exit;
        end if;
        begin
            v_result := warehouse.run_backfill_step(p_backfill_id, v_step.step_no, p_run_id);
        exception when others then
            get stacked diagnostics v_error = message_text;
            v_result := 'error';
        end;
        if v_result = 'error' then
            -- the step's work is rolled back; it stays pending and the next run retries it
            update warehouse.backfill_steps set last_error = v_error
            where backfill_id = p_backfill_id and step_no = v_step.step_no;
            insert into warehouse.pipeline_steps (run_id, step_name, target, status, finished_at, error)
            values (p_run_id, v_step.step_kind, v_step.target, 'failed', pg_catalog.clock_timestamp(),
                pg_catalog.format('%s failed: %s', v_step.target, v_error));
            update warehouse.pipeline_runs set error = pg_catalog.format('%s failed: %s', v_step.target, v_error) where run_id = p_run_id;
            p_outcome := 'failed';
            commit;
            exit;
        end if;
        v_steps_done := v_steps_done + 1;
        if v_result = 'failed' then
            v_failed_extracts := v_failed_extracts || v_step.target;
        end if;
        commit;
        if v_result = 'blocked' then
            p_outcome := 'blocked';
            exit;
        end if;
    end loop;
    if p_outcome = 'published' and pg_catalog.cardinality(v_failed_extracts) > 0 then
        update warehouse.pipeline_runs
        set error = 'extraction failed for: ' || pg_catalog.array_to_string(v_failed_extracts, ', ')
        where run_id = p_run_id;
        p_outcome := 'published with failed extractions';
        commit;
    end if;
end;
$$;

comment on procedure warehouse.run_backfill(bigint, bigint, interval, text) is
    'Does the pending steps of a backfill in order, each committed on its own, until none is left (p_outcome '
    'published), the time budget is spent (partial: the next run continues), a layer''s tests block it (blocked), or a '
    'step raises (failed: it stays pending and is retried next run).';

create function warehouse.schedule_backfill_continuation(p_unfinished boolean)
returns boolean
language plpgsql
set search_path = ''
as $$
begin
    if p_unfinished then
        if not exists (select 1 from cron.job where jobname = 'petforce-warehouse-backfill') then
            perform cron.schedule('petforce-warehouse-backfill', '*/10 * * * *', 'call warehouse.run_pipeline()');
        end if;
    elsif exists (select 1 from cron.job where jobname = 'petforce-warehouse-backfill') then
        perform cron.unschedule('petforce-warehouse-backfill');
    end if;
    return p_unfinished;
end;
$$;

comment on function warehouse.schedule_backfill_continuation(boolean) is
    'While a backfill is unfinished after a run''s time budget, the job petforce-warehouse-backfill calls the pipeline '
    'every 10 minutes (each call continues it); once it is done the job is removed.';
