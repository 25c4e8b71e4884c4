-- Schedules: the warehouse runs itself. pg_cron jobs, named as they appear on the Supabase
-- dashboard's Cron page (scheduled by engine/finish.sql, last in the tree):
--   petforce-warehouse-daily-pipeline     06:00 UTC   call warehouse.run_pipeline()
--   petforce-warehouse-hourly-freshness   every hour  select warehouse.check_freshness()
--   petforce-warehouse-weekly-quality-sweep Sundays 04:00  select warehouse.run_quality_sweep() (every test, all rows)
--   petforce-warehouse-monthly-partitions 1st, 03:00  the partition-maintenance function (pg_net), else SQL upkeep
--   petforce-warehouse-alerts-drain       every 5 min the warehouse-alerts function (pg_net only)

create function warehouse.check_freshness()
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
    v_results warehouse.quality_test_results[];
    v_breaches jsonb;
begin
    select coalesce(array_agg(r), '{}') into v_results
    from warehouse.run_quality_tests(null, null) as r
    where r.kind = 'freshness';
    perform warehouse.record_quality_results(v_results);
    select jsonb_agg(jsonb_build_object('test_name', r.test_name, 'status', r.status, 'message', r.message) order by r.test_name)
    into v_breaches
    from unnest(v_results) as r
    where r.status <> 'pass';
    if v_breaches is not null then
        perform warehouse.enqueue_alert('freshness_breach',
            case when exists (select 1 from unnest(v_results) as r where r.status in ('fail', 'error')) then 'error' else 'warning' end,
            'Warehouse data is stale', jsonb_build_object('breaches', v_breaches), null,
            format('freshness:%s', to_char(now() at time zone 'UTC', 'YYYY-MM-DD')));
    end if;
    return jsonb_build_object('tests', cardinality(v_results), 'breaches', coalesce(v_breaches, '[]'));
end;
$$;

comment on function warehouse.check_freshness() is
    'The hourly freshness check: runs every freshness test, records the results, and on a breach enqueues one alert '
    '(at most one per UTC day). Returns the tests run and the breaches.';

-- The quality-test runner evaluates only the tests it is asked for; freshness tests of every model
-- are selected by kind above, so the planner work stays small.

-- Schedules
create view warehouse.scheduled_runs as
select
    j.jobname,
    d.runid as cron_run_id,
    d.status as cron_status,
    d.start_time as cron_started_at,
    d.end_time as cron_finished_at,
    r.run_id,
    r.status as run_status,
    r.origin
from cron.job_run_details as d
join cron.job as j on j.jobid = d.jobid
-- by the job's process: pg_cron writes start_time once the worker has started, and a busy machine lets the
-- worker's run begin first (matching on times alone then missed the run); the times keep a reused pid apart
left join warehouse.pipeline_runs as r
    on r.origin = 'pg_cron'
   and r.backend_pid = d.job_pid
   and r.started_at >= d.start_time - interval '1 minute'
   and (d.end_time is null or r.started_at <= d.end_time)
where j.jobname like 'petforce-warehouse-%';

comment on view warehouse.scheduled_runs is
    'One row per pg_cron execution of a warehouse job, matched to the pipeline run it started (if it is the pipeline job): '
    'where cron.job_run_details and the pipeline''s own log agree on what ran.';
comment on column warehouse.scheduled_runs.jobname is 'The cron job.';
comment on column warehouse.scheduled_runs.cron_run_id is 'cron.job_run_details.runid.';
comment on column warehouse.scheduled_runs.cron_status is 'What pg_cron recorded (succeeded, failed, running).';
comment on column warehouse.scheduled_runs.cron_started_at is 'When pg_cron started it.';
comment on column warehouse.scheduled_runs.cron_finished_at is 'When pg_cron saw it end.';
comment on column warehouse.scheduled_runs.run_id is 'The pipeline run it started, if any.';
comment on column warehouse.scheduled_runs.run_status is 'What the pipeline recorded.';
comment on column warehouse.scheduled_runs.origin is 'pg_cron when the run was started by the job.';

create function warehouse.has_pg_net()
returns boolean
language sql
stable
set search_path = ''
as $$
    select to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is not null
$$;

comment on function warehouse.has_pg_net() is 'Whether pg_net is installed (on Supabase), so cron can call Edge Functions.';

create function warehouse.function_call_sql(p_function_name text)
returns text
language sql
immutable
set search_path = ''
as $$
    select format(
        $f$select net.http_post(
    url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/%s',
    headers := jsonb_build_object(
        'content-type', 'application/json',
        'x-warehouse-secret', (select decrypted_secret from vault.decrypted_secrets where name = 'warehouse_function_secret')),
    body := '{}'::jsonb,
    timeout_milliseconds := 60000
) as request_id$f$, p_function_name)
$$;

comment on function warehouse.function_call_sql(text) is
    'The SQL a cron job runs to call an Edge Function, as Supabase documents it: pg_net, with the project URL and the '
    'shared secret read from Vault (secrets project_url and warehouse_function_secret).';

create function warehouse.schedule_job(p_job_name text, p_schedule text, p_command text)
returns bigint
language plpgsql
set search_path = ''
as $$
begin
    if exists (select 1 from cron.job where jobname = p_job_name) then
        perform cron.unschedule(p_job_name);
    end if;
    return cron.schedule(p_job_name, p_schedule, p_command);
end;
$$;

comment on function warehouse.schedule_job(text, text, text) is 'Idempotent pg_cron scheduling: unschedules a job of that name, then schedules it.';

create function warehouse.schedule_jobs()
returns setof text
language plpgsql
set search_path = ''
as $$
begin
    perform warehouse.schedule_job('petforce-warehouse-daily-pipeline', '0 6 * * *', 'call warehouse.run_pipeline()');
    return next 'petforce-warehouse-daily-pipeline';
    perform warehouse.schedule_job('petforce-warehouse-hourly-freshness', '0 * * * *', 'select warehouse.check_freshness()');
    return next 'petforce-warehouse-hourly-freshness';
    perform warehouse.schedule_job('petforce-warehouse-weekly-quality-sweep', '0 4 * * 0', 'select warehouse.run_quality_sweep()');
    return next 'petforce-warehouse-weekly-quality-sweep';
    if warehouse.has_pg_net() then
        perform warehouse.schedule_job('petforce-warehouse-monthly-partitions', '0 3 1 * *',
            warehouse.function_call_sql('partition-maintenance'));
        return next 'petforce-warehouse-monthly-partitions';
        perform warehouse.schedule_job('petforce-warehouse-alerts-drain', '*/5 * * * *',
            warehouse.function_call_sql('warehouse-alerts'));
        return next 'petforce-warehouse-alerts-drain';
    else
        -- Without pg_net the partition upkeep still runs, in SQL; retention and archiving need the
        -- function (npm run functions, then npm run invoke -- partition-maintenance).
        perform warehouse.schedule_job('petforce-warehouse-monthly-partitions', '0 3 1 * *',
            'select count(*) from warehouse.ensure_partitions()');
        return next 'petforce-warehouse-monthly-partitions';
        raise notice 'pg_net is not installed: petforce-warehouse-monthly-partitions runs the SQL partition upkeep only '
            '(no retention or archiving), and petforce-warehouse-alerts-drain is not scheduled. Serve the functions with '
            '`npm run functions` and call them with `npm run invoke -- <function>`.';
        if exists (select 1 from cron.job where jobname = 'petforce-warehouse-alerts-drain') then
            perform cron.unschedule('petforce-warehouse-alerts-drain');
        end if;
    end if;
end;
$$;

comment on function warehouse.schedule_jobs() is
    'Defines the warehouse''s pg_cron jobs (idempotent). With pg_net (Supabase) the monthly partition job and the alert '
    'drain call Edge Functions; without it the partition job runs the SQL upkeep and the drain is skipped with a NOTICE.';
