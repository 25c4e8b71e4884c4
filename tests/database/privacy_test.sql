-- Test: each role sees what it should and nothing more — analysts marts only (without opted-out users),
-- anon/authenticated nothing, data engineers everything but the salt, the pipeline never changes raw —
-- small groups are suppressed in publishable marts, and forget_user erases a user for good.
begin;
select plan(30);

-- Fixture: 6 users at big.example (one opted out), 3 at tiny.example; one session and login each.
create temporary table fixture as
select tests.create_user(format('user%s@%s', n, case when n <= 6 then 'big.example' else 'tiny.example' end),
           'First' || n, 'Last' || n, format('203.0.113.%s', n)::inet) as user_id, n
from generate_series(1, 9) as n;
grant select on fixture to public;
update public.users set analytics_opt_out = true where id = (select user_id from fixture where n = 1);
select tests.create_session(user_id) from fixture;
select tests.create_auth_event(user_id) from fixture;
insert into warehouse.pipeline_runs default values;
select warehouse.extract_source(source_name) from warehouse.sources;
select is(warehouse.transform_and_publish((select max(run_id) from warehouse.pipeline_runs)) ->> 'status', 'published', 'the fixture should publish');

-- Analysts: marts only.
select ok(has_schema_privilege('analyst_role', 'marts', 'usage'), 'analysts should use the marts schema');
select is_empty(
    $$select s from unnest(array['raw', 'staging', 'audit', 'warehouse']) as s where has_schema_privilege('analyst_role', s, 'usage')$$,
    'analysts should have no access to raw, staging, audit or warehouse');
select is_empty(
    $$select c.relname from pg_class as c where c.relnamespace = 'marts'::regnamespace and c.relkind in ('r', 'v', 'm')
      and not has_table_privilege('analyst_role', c.oid, 'select')$$,
    'analysts should be able to read every mart table and view');
select is_empty(
    $$select c.relname from pg_class as c where c.relnamespace = 'marts'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity$$,
    'every mart table should have row-level security enabled');
select is_empty(
    $$select c.relname || '.' || a.attname
      from pg_class as c join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where c.relnamespace = 'marts'::regnamespace and c.relkind in ('r', 'v', 'm')
        and a.attname ~ '(email($|_address|_masked)|first_name|last_name|^ip$|ip_address|last_login_ip|photo|password)'$$,
    'no column analysts can read should be an email, name, IP address, photo or password');

set local role analyst_role;
set local search_path = marts, extensions;
select is((select count(*)::int from marts_core_dim_users), 8, 'analysts should not see the user who opted out');
select is((select count(*)::int from marts_core_user_activity_daily where user_id = (select user_id from fixture where n = 1)), 0,
    'nor any of their activity');
select is((select count(*)::int from marts_core_auth_events where user_id = (select user_id from fixture where n = 1)), 0,
    'nor any of their auth events');
select throws_like($$select * from staging.stg_supabase_users$$, '%permission denied%', 'analysts should be refused staging');
select throws_like($$select * from raw.raw_supabase_users$$, '%permission denied%', 'analysts should be refused raw');
select throws_like($$select * from warehouse.pipeline_runs$$, '%permission denied%', 'analysts should be refused the pipeline''s tables');
select throws_like($$update marts.marts_core_dim_users set lifecycle_stage = 'new'$$, '%permission denied%', 'analysts should not change marts');

-- Small groups are suppressed where a mart could be published.
select results_eq(
    $$select email_domain::text, user_count from published_users_by_email_domain order by 1$$,
    $$values ('big.example', 5::bigint)$$,
    'domains with fewer than k = 5 users (and an "other" bucket under k) should be suppressed');
reset role;

-- Data engineers see every layer and every row, but not the salt.
set local role data_engineer_role;
select is((select count(*)::int from marts.marts_core_dim_users), 9, 'data engineers should see every user in the marts');
select is((select count(*)::int from staging.stg_supabase_users where email_masked like 'user***@%'), 9, 'data engineers should see masked emails in staging');
select throws_like($$select * from warehouse.secrets$$, '%permission denied%', 'data engineers should not read the salt');
select throws_like($$select warehouse.pii_salt()$$, '%permission denied%', 'nor call the function that returns it');
reset role;

-- anon and authenticated: refused everywhere.
set local role anon;
select throws_like($$select * from marts.marts_core_dim_users$$, '%permission denied%', 'anon should be refused the marts');
reset role;
set local role authenticated;
select throws_like($$select * from marts.published_signup_cohorts$$, '%permission denied%', 'authenticated should be refused the marts');
reset role;

-- The pipeline's role inserts into raw but can never change it.
set local role warehouse_pipeline;
select lives_ok(
    $$insert into raw.raw_supabase_users (extracted_at, extracted_date, batch_id, row_hash, id) values (now(), current_date, 0, 'x', gen_random_uuid())$$,
    'the pipeline role should insert into raw');
select throws_like($$update raw.raw_supabase_users set email = null$$, '%permission denied%', 'the pipeline role should not update raw');
select throws_like($$delete from raw.raw_supabase_users$$, '%permission denied%', 'the pipeline role should not delete from raw');
reset role;

-- Erasure: every row of the user goes, a PII-free record stays, and extraction never brings them back.
create temporary table forgotten as select user_id from fixture where n = 2;
create temporary table before_counts as
select
    (select count(*) from raw.raw_supabase_users where id = (select user_id from forgotten)) as raw_users,
    (select count(*) from raw.raw_supabase_auth_events where user_id = (select user_id from forgotten)) as raw_events;
create temporary table erasure as select warehouse.forget_user((select user_id from forgotten)) as result;
select is(
    (select (result -> 'rows_deleted' ->> 'raw.raw_supabase_users')::bigint from erasure), (select raw_users from before_counts),
    'the erasure should report the raw user rows it deleted');
select is_empty(
    $$select table_name from warehouse.user_row_counts((select user_id from forgotten)) where row_count > 0$$,
    'no raw, staging or mart table should hold a row of the forgotten user');
select is((select count(*)::int from warehouse.erased_users), 1, 'one erasure record should exist');
select is(
    (select user_key_hash::text from warehouse.erased_users),
    warehouse.salted_sha256((select user_id from forgotten)::text, warehouse.pii_salt())::text,
    'the record should hold the salted hash of the id, not the id');
select is((select (rows_deleted ->> 'raw.raw_supabase_auth_events')::bigint from warehouse.erased_users), (select raw_events from before_counts),
    'the record should count the rows deleted per table');
update public.users set failed_login_attempts = 9 where id = (select user_id from forgotten);
select tests.create_auth_event((select user_id from forgotten));
select warehouse.extract_source(source_name) from warehouse.sources;
select is(
    (select count(*)::int from raw.raw_supabase_users where id = (select user_id from forgotten))
    + (select count(*)::int from raw.raw_supabase_auth_events where user_id = (select user_id from forgotten)),
    0, 'a later extraction should not bring the forgotten user back from the source');
select is((warehouse.forget_user((select user_id from forgotten)) ->> 'erasure_id')::bigint, (select erasure_id from warehouse.erased_users),
    'forgetting the same user again should keep one record');

select * from finish();
rollback;
