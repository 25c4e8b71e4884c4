-- Test: raw tables are partitioned by extraction month with the seed's names, a DEFAULT partition keeps
-- rows whose month has no partition yet, ensure_partitions moves them out, and raw is append-only.
begin;
select plan(29);

-- Partitions of the current month and the next three, for each raw table, named as the seed names them.
select has_table('raw', p.partition_name, format('partition %s should exist', p.partition_name))
from (
    select warehouse.partition_name(t.table_name, (date_trunc('month', current_date) + make_interval(months => m))::date) as partition_name
    from (values ('raw_supabase_users'), ('raw_supabase_sessions'), ('raw_supabase_auth_events')) as t (table_name)
    cross join generate_series(0, 3) as m
) as p;

select has_table('raw', t || '_default', format('%s should have a DEFAULT partition', t))
from unnest(array['raw_supabase_users', 'raw_supabase_sessions', 'raw_supabase_auth_events']) as t;

select is(warehouse.partition_name('raw_supabase_users', '2026-01-15'), 'raw_supabase_users_2026_01',
    'partition names should follow the seed: raw_supabase_users_2026_01');

select is(
    (select count(*)::int from pg_inherits where inhparent = 'raw.raw_supabase_users'::regclass),
    5, 'raw_supabase_users should have exactly 4 monthly partitions and DEFAULT');

-- A row from a month without a partition lands in DEFAULT and is kept and reported.
insert into raw.raw_supabase_users (extracted_at, extracted_date, batch_id, row_hash, id, email)
values ('2031-05-03 06:00+00', '2031-05-03', 0, 'hash-1', '7e1b2c3d-0000-4000-8000-000000000001', 'far@example.com');

select is((select count(*)::int from raw.raw_supabase_users_default), 1, 'a row of a month with no partition should land in DEFAULT');
select is(
    (select row_count::int from warehouse.default_partition_rows() where parent_table = 'raw.raw_supabase_users'),
    1, 'default_partition_rows should report the row in DEFAULT');

-- ensure_partitions creates that month's partition and moves the row into it.
select results_eq(
    $$select parent_table, partition_table, rows_moved from warehouse.ensure_partitions() where parent_table = 'raw.raw_supabase_users'$$,
    $$values ('raw.raw_supabase_users', 'raw_supabase_users_2031_05', 1::bigint)$$,
    'ensure_partitions should create the 2031-05 partition and move one row into it');
select is((select count(*)::int from raw.raw_supabase_users_default), 0, 'DEFAULT should be empty after the move');
select is((select email::text from raw.raw_supabase_users_2031_05), 'far@example.com', 'the moved row should be intact in its partition');
select is((select count(*)::int from warehouse.ensure_partitions()), 0, 'a second ensure_partitions should create nothing');

-- Append-only, enforced by the database.
select throws_like($$update raw.raw_supabase_users set email = 'changed@example.com'$$,
    '%append-only%', 'UPDATE on raw should be refused');
select throws_like($$delete from raw.raw_supabase_users$$, '%append-only%', 'DELETE on raw should be refused');
select throws_like($$truncate raw.raw_supabase_users$$, '%append-only%', 'TRUNCATE on raw should be refused');
select throws_like($$truncate raw.raw_supabase_users_2031_05$$, '%append-only%', 'TRUNCATE on a raw partition should be refused');
select throws_like($$delete from raw.raw_supabase_users_2031_05$$, '%append-only%', 'DELETE on a raw partition should be refused');

select is_empty(
    $$
    select r.rolname, c.relname
    from pg_class as c
    join pg_namespace as n on n.oid = c.relnamespace
    cross join pg_roles as r
    where n.nspname = 'raw' and c.relkind in ('r', 'p')
      and r.oid <> c.relowner and not r.rolsuper and r.rolname not like 'pg\_%'
      and has_table_privilege(r.oid, c.oid, 'update, delete, truncate')
    $$,
    'no role but the owner should hold UPDATE, DELETE or TRUNCATE on a raw table');

select * from finish();
rollback;
