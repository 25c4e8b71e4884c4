-- Test: the warehouse's pg_cron jobs have clear names, the seed's schedule and the right commands, and
-- the alert outbox gets one message per finished run or freshness breach, claims with a lease,
-- retries with backoff, and gives up after max attempts.
begin;
select plan(22);

-- Jobs, as the Supabase dashboard's Cron page lists them (locally: no pg_net, so no alert drain).
select results_eq(
    $$select jobname::text collate "default", schedule collate "default", command collate "default" from cron.job where jobname like 'petforce-warehouse-%' order by jobname$$,
    $$values ('petforce-warehouse-daily-pipeline', '0 6 * * *', 'call warehouse.run_pipeline()'),
             ('petforce-warehouse-hourly-freshness', '0 * * * *', 'select warehouse.check_freshness()'),
             ('petforce-warehouse-monthly-partitions', '0 3 1 * *', 'select count(*) from warehouse.ensure_partitions()'),
             ('petforce-warehouse-weekly-quality-sweep', '0 4 * * 0', 'select warehouse.run_quality_sweep()')$$,
    'the daily pipeline (06:00 UTC, the seed), hourly freshness, monthly partition and weekly quality sweep jobs should be scheduled');
select is((select count(*)::int from warehouse.schedule_jobs()), 4, 'scheduling again should be idempotent');
select is((select count(*)::int from cron.job where jobname like 'petforce-warehouse-%'), 4, 'and leave exactly the same jobs');
select matches(warehouse.function_call_sql('warehouse-alerts'),
    'net\.http_post.*vault\.decrypted_secrets.*/functions/v1/warehouse-alerts',
    'on Supabase a job should call the function with pg_net and the secret from Vault');

-- One alert per finished run, in the run's own transaction.
insert into warehouse.pipeline_runs default values;
create temporary table r as select max(run_id) as run_id from warehouse.pipeline_runs;
insert into warehouse.quality_test_results (run_id, test_name, model_name, kind, severity, status, failing_rows, message)
select run_id, 'stg_supabase_users__email_hash__unique', 'stg_supabase_users', 'unique', 'error', 'fail', 1, '1 duplicated value' from r;
update warehouse.pipeline_runs set status = 'failed', finished_at = now(), error = 'quality gate' where run_id = (select run_id from r);
select results_eq(
    $$select kind, severity, status from warehouse.alert_outbox where run_id = (select run_id from r)$$,
    $$values ('run_failed', 'error', 'pending')$$,
    'a failed run should put exactly one run_failed message in the outbox');
select is(
    (select payload -> 'failing_tests' -> 0 ->> 'test_name' from warehouse.alert_outbox where run_id = (select run_id from r)),
    'stg_supabase_users__email_hash__unique', 'the message should name the failing test');
select is(
    (select (payload -> 'failing_tests' -> 0 ->> 'failing_rows')::int from warehouse.alert_outbox where run_id = (select run_id from r)),
    1, 'and its failing-row count');
insert into warehouse.pipeline_runs default values;
update warehouse.pipeline_runs set status = 'succeeded', finished_at = now() where run_id = (select max(run_id) from warehouse.pipeline_runs);
select is((select kind from warehouse.alert_outbox where run_id = (select max(run_id) from warehouse.pipeline_runs)), 'run_succeeded',
    'a successful run should put its daily summary in the outbox');
insert into warehouse.pipeline_runs (status, finished_at, error) values ('skipped', now(), 'busy');
select is((select count(*)::int from warehouse.alert_outbox), 2, 'a skipped run should not alert');

-- Claims lease the message; a second drainer gets nothing.
select is((select count(*)::int from warehouse.claim_alerts(10)), 2, 'a drainer should claim both due messages');
select is((select count(*)::int from warehouse.claim_alerts(10)), 0, 'a second drainer should find them leased');
select is((select attempts from warehouse.alert_outbox where run_id = (select run_id from r)), 1, 'the claim should count the attempt');

-- Delivery failed: retry later with backoff; delivered: never again.
select is((warehouse.mark_alert_failed((select alert_id from warehouse.alert_outbox where run_id = (select run_id from r)), 'HTTP 500')).status,
    'pending', 'a failed delivery should leave the message pending');
select ok(
    (select next_attempt_at between now() + interval '29 seconds' and now() + interval '31 seconds' from warehouse.alert_outbox where run_id = (select run_id from r)),
    'the first retry should wait the base backoff (30 s)');
update warehouse.alert_outbox set attempts = 3 where run_id = (select run_id from r);
select warehouse.mark_alert_failed((select alert_id from warehouse.alert_outbox where run_id = (select run_id from r)), 'HTTP 500');
select ok(
    (select next_attempt_at between now() + interval '119 seconds' and now() + interval '121 seconds' from warehouse.alert_outbox where run_id = (select run_id from r)),
    'the fourth attempt should wait 30 * 2^3 seconds');
select is((select last_error from warehouse.alert_outbox where run_id = (select run_id from r)), 'HTTP 500', 'the error should be kept');
update warehouse.alert_outbox set attempts = 12 where run_id = (select run_id from r);
select is((warehouse.mark_alert_failed((select alert_id from warehouse.alert_outbox where run_id = (select run_id from r)), 'HTTP 500')).status,
    'dead', 'after max attempts the message should be dead');
select ok(warehouse.mark_alert_delivered((select alert_id from warehouse.alert_outbox where kind = 'run_succeeded')),
    'a delivered message should be marked delivered');
update warehouse.alert_outbox set next_attempt_at = now() - interval '1 hour';
select is((select count(*)::int from warehouse.claim_alerts(10)), 0, 'delivered and dead messages should never be claimed again');

-- Freshness: an empty staging table is infinitely stale; one alert a day.
select is((warehouse.check_freshness() -> 'breaches' -> 0 ->> 'test_name'), 'stg_supabase_auth_events__freshness',
    'the hourly check should report the stale table');
select warehouse.check_freshness();
select is((select count(*)::int from warehouse.alert_outbox where kind = 'freshness_breach'), 1,
    'a breach should alert once a day, not every hour');
select is((select count(*)::int from warehouse.quality_test_results where run_id is null and kind = 'freshness'), 2,
    'each hourly check should record its result');

select * from finish();
rollback;
