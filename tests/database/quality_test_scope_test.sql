-- Test: a daily run's quality tests check the rows that run changed (a bad row it did not touch is the
-- weekly sweep's to find; a bad row it wrote blocks it), a unique test compares changed values with the
-- whole table, a relationships test also sees children of parent keys the run removed, a test that a
-- constraint guarantees is skipped and says so, and the first load checks every row.
begin;
select plan(14);

insert into warehouse.pipeline_runs default values;
create temporary table run as select max(run_id) as run_id from warehouse.pipeline_runs;

create temporary table fixture as
select tests.create_user('ann@example.com', 'Ann', 'Lee', '203.0.113.10') as ann,
       tests.create_user('bob@example.com', 'Bob', 'Ray', '203.0.113.11') as bob,
       tests.create_user('cy@example.com', 'Cy', 'Day', '203.0.113.12') as cy;
insert into public.sessions (user_id, started_at, ended_at, device_type, auth_method, api_calls_count, features_used)
select u, now() - interval '3 hours', now() - interval '2 hours', 'web', 'email', 5, '{health_log}'
from fixture cross join lateral (values (ann), (bob), (cy)) as v (u);
select tests.create_auth_event(u, 'login_success', now() - interval '3 hours')
from fixture cross join lateral (values (ann), (bob), (cy)) as v (u);

-- The first load: every row is new, so every test checks all rows.
select warehouse.extract_source(source_name) from warehouse.sources;
create temporary table first as select warehouse.transform_and_publish((select run_id from run)) as result;
select is((select result ->> 'status' from first), 'published', 'the first load should publish');
select is(
    (select count(*)::int from warehouse.quality_test_results
     where run_id = (select run_id from run) and scope = 'changed'),
    0, 'a first load should check every row (no test scoped to changed rows)');
select is(
    (select status || ': ' || message from warehouse.quality_test_results
     where run_id = (select run_id from run) and test_name = 'stg_supabase_sessions__session_id__unique'),
    'skipped: unique skipped: the unique index stg_supabase_sessions_pkey guarantees it',
    'a unique test on the primary key should be skipped, naming the index');
select is(
    (select status || ': ' || message from warehouse.quality_test_results
     where run_id = (select run_id from run) and test_name = 'stg_supabase_users__user_id__not_null'),
    'skipped: not_null skipped: the NOT NULL constraint of user_id guarantees it',
    'a not_null test on a NOT NULL column should be skipped, naming the constraint');

-- A bad row the pipeline did not write (edited in staging by hand): the next run does not see it ...
update staging.stg_supabase_sessions set api_calls_count = -1 from fixture where user_id = cy;
update public.sessions set api_calls_count = 7 from fixture where user_id = ann;
insert into warehouse.pipeline_runs default values;
create temporary table run2 as select max(run_id) as run_id from warehouse.pipeline_runs;
select warehouse.extract_source(source_name) from warehouse.sources;
create temporary table second as select warehouse.transform_and_publish((select run_id from run2)) as result;
select is((select result ->> 'status' from second), 'published', 'a run should not fail on a bad row it did not change');
select is(
    (select scope || ' ' || status || ': ' || message from warehouse.quality_test_results
     where run_id = (select run_id from run2) and test_name = 'stg_supabase_sessions__no_negative_metrics'),
    'changed pass: no_negative (api_calls_count, duration_seconds) in staging.stg_supabase_sessions (rows changed in this run): 0 of 1 rows have a negative value',
    'the no_negative test should check the one session the run changed');
select is(
    (select scope from warehouse.quality_test_results
     where run_id = (select run_id from run2) and test_name = 'stg_supabase_auth_events__freshness'),
    'all', 'freshness should read the whole table');

-- ... the sweep does, and says so in one alert.
create temporary table sweep as select warehouse.run_quality_sweep() as result;
select ok((select result -> 'failing_tests' ? 'stg_supabase_sessions__no_negative_metrics' from sweep),
    'the sweep should find the bad row no run changed');
select is(
    (select count(*)::int from warehouse.alert_outbox where kind = 'test_warning' and dedupe_key like 'quality-sweep:%'),
    1, 'the sweep should put one alert in the outbox');

-- A bad row the run writes blocks it.
update public.sessions set api_calls_count = -5 from fixture where user_id = bob;
insert into warehouse.pipeline_runs default values;
create temporary table run3 as select max(run_id) as run_id from warehouse.pipeline_runs;
select warehouse.extract_source(source_name) from warehouse.sources;
create temporary table third as select warehouse.transform_and_publish((select run_id from run3)) as result;
select is((select result ->> 'status' from third), 'blocked', 'a run that writes a bad row should not publish');
select ok((select result -> 'failing_tests' ? 'stg_supabase_sessions__no_negative_metrics' from third),
    'and name the test');

-- unique on a non-key column: a changed row's value is compared with every row of the table.
update public.sessions set api_calls_count = 5 from fixture where user_id = bob;
-- (the source's own unique index compares emails as written; staging hashes them normalised)
update public.users set email = ' ANN@example.com' from fixture where id = bob;
insert into warehouse.pipeline_runs default values;
create temporary table run4 as select max(run_id) as run_id from warehouse.pipeline_runs;
select warehouse.extract_source(source_name) from warehouse.sources;
create temporary table fourth as select warehouse.transform_and_publish((select run_id from run4)) as result;
select ok((select result -> 'failing_tests' ? 'stg_supabase_users__email_hash__unique' from fourth),
    'a changed email equal to an unchanged user''s should fail the unique test');

-- relationships: a parent key the run removed is checked against children the run did not touch.
update public.users set email = 'bob@example.com' from fixture where id = bob;
select set_config('tests.cy', (select cy::text from fixture), false);
delete from marts.marts_core_dim_users where user_id = current_setting('tests.cy')::uuid;
drop table if exists pg_temp.changed__marts_core_dim_users;
drop table if exists pg_temp.changed__marts_core_user_activity_daily;
create temporary table changed__marts_core_dim_users as select current_setting('tests.cy')::uuid as user_id;
create temporary table changed__marts_core_user_activity_daily as
select activity_date, user_id from marts.marts_core_user_activity_daily with no data;
select is(
    (select r.scope || ' ' || r.status || ' ' || r.failing_rows
     from warehouse.run_quality_tests(null, array['marts_core_user_activity_daily'], true) as r
     where r.test_name = 'marts_core_user_activity_daily__user_id__relationships'),
    'changed fail 1',
    'a child of a parent key the run removed should fail its relationships test, though the child did not change');
drop table pg_temp.changed__marts_core_user_activity_daily;
select is(
    (select r.scope from warehouse.run_quality_tests(null, array['marts_core_user_activity_daily'], true) as r
     where r.test_name = 'marts_core_user_activity_daily__user_id__relationships'),
    'all', 'a model that did not run in this transaction should be checked on all rows');

select * from finish();
rollback;
