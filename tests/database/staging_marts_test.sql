-- Test: staging hashes PII with a secret salt and merges SCD1, the marts follow the definitions tables
-- (lifecycle stages, engagement weights), and write–audit–publish keeps a failing run invisible.
begin;
select plan(27);

insert into warehouse.pipeline_runs default values;
create temporary table run as select max(run_id) as run_id from warehouse.pipeline_runs;

-- Fixture: Ann logs in twice today in one session with 10 API calls and 2 features; Bob signed up
-- 40 days ago and has not logged in for 45 days.
create temporary table fixture as
select tests.create_user('Ann.Lee@Example.com', 'Ann', 'Lee', '203.0.113.10') as ann,
       tests.create_user('bob@example.com', 'Bob', 'Ray', '203.0.113.11') as bob;
update public.users set last_login_at = now() - interval '45 days', created_at = now() - interval '100 days' from fixture where id = bob;
insert into public.sessions (user_id, started_at, ended_at, ip_address, device_type, auth_method, api_calls_count, features_used)
select ann, date_trunc('day', now()) + interval '1 hour', date_trunc('day', now()) + interval '2 hours', '198.51.100.7', 'web', 'email', 10,
       '{health_log,pet_profile,health_log}'
from fixture;
select tests.create_auth_event(ann, 'login_success', date_trunc('day', now()) + interval '1 hour') from fixture;
select tests.create_auth_event(ann, 'login_success', date_trunc('day', now()) + interval '3 hours') from fixture;
select tests.create_auth_event(ann, 'login_failure', date_trunc('day', now()) + interval '4 hours') from fixture;
select tests.create_auth_event(bob, 'login_success', now() - interval '45 days') from fixture;

select warehouse.extract_source(source_name) from warehouse.sources;
create temporary table first_publish as select warehouse.transform_and_publish((select run_id from run)) as result;
select is((select result ->> 'status' from first_publish), 'published', 'a clean run should publish');

-- Hashing: SHA-256 of salt || normalised value; the salt is the pipeline's secret.
select is(
    (select email_hash::text from staging.stg_supabase_users, fixture where user_id = ann),
    warehouse.salted_sha256('ann.lee@example.com', warehouse.pii_salt())::text,
    'the email hash should be SHA-256 of the salt and the trimmed, lowercased email');
select isnt(
    (select email_hash::text from staging.stg_supabase_users, fixture where user_id = ann),
    encode(sha256(convert_to('ann.lee@example.com', 'UTF8')), 'hex'),
    'the email hash should not be a bare SHA-256 (it is salted)');
select is(
    warehouse.salted_sha256(warehouse.normalise_email('  ANN.LEE@example.COM '), warehouse.pii_salt())::text,
    (select email_hash::text from staging.stg_supabase_users, fixture where user_id = ann),
    'the same email, however written, should give the same hash');
select is((select email_domain::text from staging.stg_supabase_users, fixture where user_id = ann), 'example.com', 'the email domain should be kept, lowercased');
select is((select length(ip_hash) from staging.stg_supabase_users, fixture where user_id = ann), 64, 'the last login IP should be hashed');
select ok(not has_function_privilege('analyst_role', 'warehouse.pii_salt()', 'execute'), 'analysts should not be able to call pii_salt');
set local role analyst_role;
select throws_like($$select * from warehouse.secrets$$, '%permission denied%', 'analysts should not be able to read the salt table');
reset role;

-- SCD1: one row per key with the newest version; an older version never overwrites a newer one.
update public.users set failed_login_attempts = 2 from fixture where id = ann;
update public.users set failed_login_attempts = 3 from fixture where id = ann;
select warehouse.extract_source('supabase_users');
select is(
    (select (warehouse.refresh_model('stg_supabase_users', (select run_id from run), max(batch_id)) -> 'rows_out')::int from warehouse.extract_batches),
    1, 'the staging merge should touch only the changed user');
select is((select failed_login_attempts from staging.stg_supabase_users, fixture where user_id = ann), 3, 'staging should hold the newest version');
select is((select count(*)::int from staging.stg_supabase_users), 2, 'staging should still have one row per user');
select is(
    (select (warehouse.merge_scd1('stg_supabase_users', 0, max(batch_id))).rows_out::int from warehouse.extract_batches),
    2, 'replaying every batch should rewrite each user once');
select is((select failed_login_attempts from staging.stg_supabase_users, fixture where user_id = ann), 3,
    'replaying older versions should not overwrite the newest');

-- Lifecycle stages come from the definitions table.
select results_eq(
    $$select warehouse.lifecycle_stage(s, l)::text from (values (5, null), (100, 3), (100, 45), (100, 90), (100, null)) as v (s, l)$$,
    $$values ('new'), ('active'), ('at_risk'), ('churned'), ('churned')$$,
    'lifecycle stages should follow the definitions: new, active, at_risk, churned, never-logged-in');
select is((select lifecycle_stage::text from marts.marts_core_dim_users, fixture where user_id = bob), 'at_risk',
    'a user last seen 45 days ago should be at risk in the dimension');
update warehouse.lifecycle_stage_definitions set max_days_since_last_login = 49 where lifecycle_stage = 'active';
update warehouse.lifecycle_stage_definitions set min_days_since_last_login = 50 where lifecycle_stage = 'at_risk';
select is(warehouse.lifecycle_stage(100, 45)::text, 'active', 'changing the definitions table should change the stage');
-- Time moves stages: 15 days on, Bob has not logged in for 60 days.
select set_config('warehouse.as_of_date', (current_date + 15)::text, true);
select warehouse.refresh_model('marts_core_dim_users', (select run_id from run), (select max(batch_id) from warehouse.extract_batches));
select is((select lifecycle_stage::text from marts.marts_core_dim_users, fixture where user_id = bob), 'churned',
    'a refresh on a later day should re-stage users whose stage the date moved, with no new data');
select set_config('warehouse.as_of_date', '', true);

-- Engagement score: 2 logins * 1 + 1 session * 2 + 10 API calls * 0.1 + 2 features * 0.5 = 6.
select results_eq(
    $$select login_count, session_count, api_calls_count, features_used, engagement_score, is_active, days_since_last_login
      from marts.marts_core_user_activity_daily, fixture where user_id = ann and activity_date = current_date$$,
    $$values (2, 1, 10, '{health_log,pet_profile}'::text[], 6.0::numeric, true, 0)$$,
    'Ann''s day should count logins, sessions, API calls, distinct features and score them by the weights');
update warehouse.metric_definitions set value = 5 where metric_name = 'engagement_weight_session';
select warehouse.clear_models_for_full_refresh();
select warehouse.transform_and_publish((select run_id from run), false);
select is(
    (select engagement_score from marts.marts_core_user_activity_daily, fixture where user_id = ann and activity_date = current_date),
    9.0, 'changing a weight and rebuilding should change the score');
select is((select days_since_signup from marts.marts_core_user_activity_daily, fixture where user_id = bob), 55,
    'days since signup should count from the signup date');

-- Write–audit–publish: two accounts with one email (a duplicate key) fail the gate; nothing is published.
create temporary table marts_before as select * from marts.marts_core_dim_users;
create temporary table state_before as select * from warehouse.model_state;
insert into public.users (email) values ('dup@example.com'), ('DUP@example.com');
select warehouse.extract_source('supabase_users');
create temporary table blocked as select warehouse.transform_and_publish((select run_id from run)) as result;
select is((select result ->> 'status' from blocked), 'blocked', 'a run with a duplicate key should not publish');
select is((select result -> 'failing_tests' from blocked), '["stg_supabase_users__email_hash__unique"]'::jsonb,
    'the run should name the failing test');
select set_eq('select * from marts.marts_core_dim_users', 'select * from marts_before', 'the dimension should keep its previous rows');
select is((select count(*)::int from staging.stg_supabase_users), 2, 'staging should keep its previous rows');
select set_eq('select * from warehouse.model_state', 'select * from state_before', 'no model position should move');
select results_eq(
    $$select status, failing_rows, severity from warehouse.quality_test_results where test_name = 'stg_supabase_users__email_hash__unique' order by result_id desc limit 1$$,
    $$values ('fail', 1::bigint, 'error')$$,
    'the failed test result should be kept in the history');
select is(
    (select string_agg(distinct status, ',') from warehouse.pipeline_steps where run_id = (select run_id from run) and step_name = 'model'
       and started_at >= (select max(started_at) from warehouse.pipeline_steps where step_name = 'publish' and status = 'succeeded')),
    'rolled_back', 'the model steps of the blocked run should be logged as rolled back');

select * from finish();
rollback;
