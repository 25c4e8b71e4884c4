-- Test: registry-driven extraction copies every source into raw, a rerun adds nothing, changes and soft
-- deletes add exactly one version, hard deletes become tombstones, a change committed late still
-- arrives, a new source is only a registry row, and schema drift fails the source naming the column.
begin;
select plan(26);

-- The registry names the three core sources and where they land.
select results_eq(
    $$select source_name, source_schema || '.' || source_table, raw_schema || '.' || raw_table, change_column
      from warehouse.sources where source_name in ('supabase_users', 'supabase_sessions', 'supabase_auth_events') order by source_name$$,
    $$values ('supabase_auth_events', 'public.auth_events', 'raw.raw_supabase_auth_events', 'created_at'),
             ('supabase_sessions', 'public.sessions', 'raw.raw_supabase_sessions', 'updated_at'),
             ('supabase_users', 'public.users', 'raw.raw_supabase_users', 'updated_at')$$,
    'the registry should list users, sessions and auth events with their raw tables (other domains add theirs)');
select hasnt_column('raw', 'raw_supabase_users', 'hashed_password', 'raw users should never hold the password hash');

-- Fixture: two users, three sessions, four auth events.
create temporary table fixture as
select tests.create_user('ann@example.com', 'Ann', 'Lee') as ann, tests.create_user('bob@example.com', 'Bob', 'Ray') as bob;
select tests.create_session(ann) from fixture;
select tests.create_session(ann, now() - interval '1 day') from fixture;
create temporary table doomed_session as select tests.create_session(bob) as id from fixture;
select tests.create_auth_event(ann) from fixture;
select tests.create_auth_event(ann, 'logout') from fixture;
select tests.create_auth_event(bob) from fixture;
select tests.create_auth_event(bob, 'login_failure') from fixture;

create temporary table first_run as
select b.* from warehouse.sources as s cross join lateral warehouse.extract_source(s.source_name) as b
where s.source_name in ('supabase_users', 'supabase_sessions', 'supabase_auth_events');

select results_eq(
    $$select source_name, rows_read, rows_inserted, status from first_run order by source_name$$,
    $$values ('supabase_auth_events', 4::bigint, 4::bigint, 'succeeded'),
             ('supabase_sessions', 3::bigint, 3::bigint, 'succeeded'),
             ('supabase_users', 2::bigint, 2::bigint, 'succeeded')$$,
    'the first extraction should copy every row of every registered source');
select is((select count(*)::int from raw.raw_supabase_users), (select count(*)::int from public.users), 'raw users should equal the source');
select is((select count(*)::int from raw.raw_supabase_sessions), 3, 'raw sessions should equal the source');
select is((select count(*)::int from raw.raw_supabase_auth_events), 4, 'raw auth events should equal the source');
select ok((select bool_and(has_password) from raw.raw_supabase_users), 'has_password should record that a hash was set');
select is((select count(distinct batch_id)::int from raw.raw_supabase_users), 1, 'one batch should have written the users');

-- A rerun adds nothing.
select is(
    (select sum((warehouse.extract_source(source_name)).rows_inserted)::int from warehouse.sources),
    0, 'extracting again with no change should add nothing');
select is((select count(*)::int from raw.raw_supabase_users), 2, 'raw users should still have 2 rows');

-- A change and a soft delete each add exactly one version.
update public.users set failed_login_attempts = 3 from fixture where id = ann;
update public.users set deleted_at = now() from fixture where id = bob;
select is((warehouse.extract_source('supabase_users')).rows_inserted, 2::bigint, 'two changed users should add two versions');
select is((select count(*)::int from raw.raw_supabase_users), 4, 'raw should now hold 4 user versions');
select is(
    (select count(*)::int from raw.raw_supabase_users r join fixture f on r.id = f.bob where r.deleted_at is not null),
    1, 'the soft delete should arrive as a version with deleted_at');

-- A hard delete becomes a tombstone, once.
delete from public.sessions where id = (select id from doomed_session);
select is((warehouse.extract_source('supabase_sessions')).tombstones_inserted, 1::bigint, 'a hard delete should write one tombstone');
select results_eq(
    $$select is_tombstone, user_id is null, changed_at is not null from raw.raw_supabase_sessions where id = (select id from doomed_session) order by extracted_at, is_tombstone$$,
    $$values (false, false, true), (true, true, true)$$,
    'the tombstone should carry only the key and the deletion time');
select is((warehouse.extract_source('supabase_sessions')).tombstones_inserted, 0::bigint, 'the tombstone should not be written twice');

-- A change committed late: a second session opens a transaction and inserts a user (its updated_at is
-- its transaction start); meanwhile a newer change is extracted. After the late transaction commits,
-- the next extraction must still find its row, even with no overlap window at all.
update warehouse.sources set overlap = interval '0';
select dblink_connect('late', tests.dblink_url());
select dblink_exec('late', 'begin');
select dblink_exec('late', $$insert into public.users (id, email) values ('5ca1ab1e-0000-4000-8000-000000000001', 'late@example.com')$$);
select pg_sleep(0.05);
insert into public.users (email, updated_at) values ('newer@example.com', clock_timestamp());
select is((warehouse.extract_source('supabase_users')).rows_inserted, 1::bigint, 'the newer committed user should be extracted');
select ok(
    (select watermark from warehouse.sources where source_name = 'supabase_users')
        < (select updated_at from public.users where email = 'newer@example.com'),
    'the watermark should stay before the start of the still-open transaction');
select dblink_exec('late', 'commit');
select is((warehouse.extract_source('supabase_users')).rows_inserted, 1::bigint, 'the late-committed user should arrive in the next extraction');
select is((select count(*)::int from raw.raw_supabase_users where id = '5ca1ab1e-0000-4000-8000-000000000001'), 1,
    'the late-committed user should be in raw exactly once');
select dblink_exec('late', $$delete from public.users where id = '5ca1ab1e-0000-4000-8000-000000000001'$$);
select dblink_exec('late', $$delete from warehouse.source_deletions where key_value = '5ca1ab1e-0000-4000-8000-000000000001'$$);
select dblink_disconnect('late');

-- A new source is a registry row and a raw table: no new code.
create table public.pet_notes (id uuid primary key default gen_random_uuid(), note text, updated_at timestamptz not null default now());
create table raw.raw_supabase_pet_notes (
    extracted_at timestamptz not null, extracted_date date not null, source_system varchar(50) not null default 'supabase',
    batch_id bigint not null, changed_at timestamptz, is_tombstone boolean not null default false, row_hash text not null,
    id uuid not null, note text, updated_at timestamptz, _extracted_at timestamptz not null default now()
) partition by range (extracted_date);
create table raw.raw_supabase_pet_notes_default partition of raw.raw_supabase_pet_notes default;
insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table)
values ('supabase_pet_notes', 'public', 'pet_notes', 'id', 'updated_at', 'raw_supabase_pet_notes');
insert into warehouse.source_columns (source_name, column_name, source_type, raw_column)
values ('supabase_pet_notes', 'id', 'uuid', 'id'), ('supabase_pet_notes', 'note', 'text', 'note'),
       ('supabase_pet_notes', 'updated_at', 'timestamp with time zone', 'updated_at');
insert into public.pet_notes (note) values ('Rex likes the vet'), ('Mia needs a bath');
select is((warehouse.extract_source('supabase_pet_notes')).rows_inserted, 2::bigint, 'a newly registered source should extract with no new code');

-- Schema drift fails the source, names table and column, and writes nothing.
alter table public.users add column nickname text;
update public.users set failed_login_attempts = 4;
select throws_like($$select warehouse.extract_source('supabase_users')$$,
    'schema drift in public.users: column "nickname" was added%', 'a new source column should fail extraction, naming table and column');
create temporary table raw_before as select count(*) as n from raw.raw_supabase_users;
insert into warehouse.pipeline_runs default values;
select is(warehouse.run_extract_source((select max(run_id) from warehouse.pipeline_runs), 'supabase_users'), false,
    'the pipeline step should report the failed source');
select is((select count(*) from raw.raw_supabase_users), (select n from raw_before), 'a failed source should write nothing to raw');
select alike(
    (select error from warehouse.extract_batches where source_name = 'supabase_users' order by batch_id desc limit 1),
    '%nickname%', 'the failed batch should record the error with the column name');
alter table public.users drop column nickname;
alter table public.sessions drop column user_agent;
select throws_like($$select warehouse.extract_source('supabase_sessions')$$,
    '%public.sessions: column "user_agent" is registered but no longer exists%', 'a removed source column should fail extraction too');

select * from finish();
rollback;
