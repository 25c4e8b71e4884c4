-- Test: retention follows the seed's periods as data; an old raw partition is due and is dropped only with a matching archive count, leaving evidence; row retention deletes only rows past their period.
begin;
select plan(33);

-- The seed's periods, as rows.
select results_eq(
    $$select table_schema, table_name, layer, retain_months, method, date_column
      from warehouse.retention_policies
      where table_name ~ '^(raw_supabase_|stg_supabase_)(users|sessions|auth_events)$|^marts_core_'
      order by table_schema, table_name$$,
    $$values ('marts', 'marts_core_active_users_daily', 'marts', 60, 'delete_rows', 'activity_date'),
             ('marts', 'marts_core_auth_events', 'marts', 60, 'delete_rows', 'event_date'),
             ('marts', 'marts_core_auth_funnel_daily', 'marts', 60, 'delete_rows', 'event_date'),
             ('marts', 'marts_core_signup_cohort_retention', 'marts', 60, 'delete_rows', 'cohort_week'),
             ('marts', 'marts_core_signup_cohorts', 'marts', 60, 'delete_rows', 'cohort_week'),
             ('marts', 'marts_core_user_activity_daily', 'marts', 60, 'delete_rows', 'activity_date'),
             ('raw', 'raw_supabase_auth_events', 'raw', 24, 'drop_partitions', 'extracted_date'),
             ('raw', 'raw_supabase_sessions', 'raw', 24, 'drop_partitions', 'extracted_date'),
             ('raw', 'raw_supabase_users', 'raw', 24, 'drop_partitions', 'extracted_date'),
             ('staging', 'stg_supabase_auth_events', 'staging', 36, 'delete_rows', 'occurred_at'),
             ('staging', 'stg_supabase_sessions', 'staging', 36, 'delete_rows', 'started_at')$$,
    'retention policies should be the seed''s periods: raw 24 months, staging 36, marts 60');
select is_empty(
    $$select 1 from warehouse.retention_policies where table_name in ('stg_supabase_users', 'marts_core_dim_users')$$,
    'current-state tables (staging users, the user dimension) should have no retention policy');
select is_empty(
    $$select 1 from warehouse.retention_policies as p
      left join warehouse.partitioned_tables as t using (table_schema, table_name)
      where p.method = 'drop_partitions' and (t.table_name is null or t.partition_column <> p.date_column)$$,
    'every drop_partitions policy should name a registered partitioned table and its partition column');
select is(warehouse.retention_cutoff(24, '2026-11-26'), '2024-11-01'::date,
    'the cut-off should be the first of the as-of month minus the retained months');

-- Fixture: a raw users partition 30 months back with two rows, and sessions partitions exactly
-- either side of the cut-off (25 months back: its range ends on the cut-off; 24: it ends after).
create temporary table months as
select (date_trunc('month', current_date) - interval '30 months')::date as old_month,
       (date_trunc('month', current_date) - interval '25 months')::date as edge_due_month,
       (date_trunc('month', current_date) - interval '24 months')::date as edge_kept_month,
       date_trunc('month', current_date)::date as this_month;
create temporary table names as
select warehouse.partition_name('raw_supabase_users', old_month) as old_users,
       warehouse.partition_name('raw_supabase_sessions', edge_due_month) as edge_due_sessions,
       warehouse.partition_name('raw_supabase_sessions', edge_kept_month) as edge_kept_sessions,
       warehouse.partition_name('raw_supabase_users', this_month) as this_users
from months;

select warehouse.create_month_partition('raw', 'raw_supabase_users', 'extracted_date', old_month) from months;
select warehouse.create_month_partition('raw', 'raw_supabase_sessions', 'extracted_date', edge_due_month) from months;
select warehouse.create_month_partition('raw', 'raw_supabase_sessions', 'extracted_date', edge_kept_month) from months;
insert into raw.raw_supabase_users (extracted_at, extracted_date, batch_id, row_hash, id, email)
select old_month + time '06:00', old_month + 3, 0, 'hash-old-' || n, gen_random_uuid(), 'old' || n || '@example.com'
from months cross join generate_series(1, 2) as n;

select results_eq(
    $$select d.table_schema, d.parent_table, d.partition_name, d.range_start, d.range_end, d.row_count
      from warehouse.partitions_due_for_retention() as d order by d.parent_table$$,
    $$select 'raw', 'raw_supabase_sessions', edge_due_sessions, m.edge_due_month, (m.edge_due_month + interval '1 month')::date, 0::bigint
      from names, months as m
      union all
      select 'raw', 'raw_supabase_users', old_users, m.old_month, (m.old_month + interval '1 month')::date, 2::bigint
      from names, months as m$$,
    'the 30-month-old partition (with its 2 rows) and the one ending on the cut-off should be due, nothing else');
select is_empty(
    $$select 1 from warehouse.partitions_due_for_retention() as d, names
      where d.partition_name in (names.this_users, names.edge_kept_sessions)$$,
    'a recent partition and one ending after the cut-off should not be due');
select is_empty(
    $$select 1 from warehouse.partitions_due_for_retention('2100-01-01') where partition_name like '%\_default'$$,
    'a DEFAULT partition should never be due, however late the as-of date');
select is(
    (select count(*)::int from warehouse.partitions_due_for_retention(
        (select old_month + interval '24 months' from months)::date)),
    0, 'as of 24 months after the old month, its partition should still be kept');

-- drop_archived_partition refuses anything but a verified archive of a due partition.
select throws_like(
    format($$select warehouse.drop_archived_partition('raw', %L, 3, %L, 'file:///archive/x.csv.gz')$$,
        (select old_users from names), repeat('a', 64)),
    '%has 2 rows, the archive has 3%',
    'drop_archived_partition should refuse an archive whose row count differs');
select has_table('raw', (select old_users from names), 'the partition should still exist after a refused drop');
select is((select count(*)::int from raw.raw_supabase_users where extracted_date < (select old_month + 31 from months)), 2,
    'its rows should still be there after a refused drop');
select throws_like(
    format($$select warehouse.drop_archived_partition('raw', %L, 2, '', 'file:///archive/x.csv.gz')$$, (select old_users from names)),
    '%checksum%', 'drop_archived_partition should refuse an empty checksum');
select throws_like(
    format($$select warehouse.drop_archived_partition('raw', %L, 2, %L, '  ')$$, (select old_users from names), repeat('a', 64)),
    '%location is empty%', 'drop_archived_partition should refuse an empty location');
select throws_like(
    format($$select warehouse.drop_archived_partition('raw', %L, 0, %L, 'file:///archive/x.csv.gz')$$, (select this_users from names), repeat('a', 64)),
    '%not a monthly partition due for retention%', 'drop_archived_partition should refuse a partition still inside its period');
select throws_like(
    format($$select warehouse.drop_archived_partition('raw', 'raw_supabase_users_default', 0, %L, 'file:///archive/x.csv.gz')$$, repeat('a', 64)),
    '%not a monthly partition due for retention%', 'drop_archived_partition should refuse a DEFAULT partition');
select throws_like(
    format($$select warehouse.drop_archived_partition('staging', 'stg_supabase_sessions', 0, %L, 'file:///archive/x.csv.gz')$$, repeat('a', 64)),
    '%not a monthly partition due for retention%', 'drop_archived_partition should refuse a table that is not a partition');

-- While a pipeline run holds the warehouse lock, retention waits its turn.
select dblink_connect('pipeline', tests.dblink_url());
-- pg_try_: if this session still held the lock (a drop that should have been refused went through),
-- a blocking pg_advisory_lock would wait for it forever; this way the lock tests fail instead.
select is(
    (select locked from dblink('pipeline', 'select pg_try_advisory_lock(warehouse.pipeline_lock_key())') as t (locked boolean)),
    true, 'a second session (the pipeline) should get the warehouse lock while no retention runs');
select throws_like(
    format($$select warehouse.drop_archived_partition('raw', %L, 2, %L, 'file:///archive/x.csv.gz')$$, (select old_users from names), repeat('a', 64)),
    '%holds the warehouse lock%', 'drop_archived_partition should refuse while a pipeline run holds the lock');
select throws_like($$select * from warehouse.apply_row_retention()$$, '%holds the warehouse lock%',
    'apply_row_retention should refuse while a pipeline run holds the lock');
select * from dblink('pipeline', 'select pg_advisory_unlock(warehouse.pipeline_lock_key())') as t (unlocked text);
select dblink_disconnect('pipeline');
select has_table('raw', (select old_users from names), 'the partition should still exist after the refusals');
select is_empty($$select 1 from warehouse.partition_archives$$, 'a refused drop should record no archive');

-- With the right count it records the evidence and drops the partition.
create temporary table dropped as
select warehouse.drop_archived_partition('raw', old_users, 2, repeat('ab', 32), 'file:///archive/raw/raw_supabase_users/' || old_users || '.csv.gz')
    as archive_id
from names;
select isnt((select archive_id from dropped), null, 'drop_archived_partition should return the archive id');
select hasnt_table('raw', (select old_users from names), 'the archived partition should be dropped');
select results_eq(
    $$select a.table_schema, a.parent_table, a.partition_name, a.range_start, a.range_end, a.row_count, a.checksum_sha256, a.location
      from warehouse.partition_archives as a join dropped using (archive_id)$$,
    $$select 'raw', 'raw_supabase_users', old_users, old_month, (old_month + interval '1 month')::date, 2::bigint, repeat('ab', 32),
             'file:///archive/raw/raw_supabase_users/' || old_users || '.csv.gz'
      from names, months$$,
    'partition_archives should record the dropped partition''s range, row count, checksum and location');
select ok((select dropped_at is not null and dropped_at >= archived_at from warehouse.partition_archives join dropped using (archive_id)),
    'the archive row should say when the partition was dropped');
select is((select count(*)::int from raw.raw_supabase_users where email like 'old_@example.com'), 0,
    'the archived rows should be gone from raw');
select is((select count(*)::int from pg_inherits where inhparent = 'raw.raw_supabase_users'::regclass), 5,
    'raw_supabase_users should keep its current, next three and DEFAULT partitions');

-- Row retention: staging keeps 36 months, marts 60; only rows dated before the cut-off go.
insert into staging.stg_supabase_sessions (session_id, user_id, started_at, _batch_id)
values ('00000000-0000-4000-8000-00000000a001', gen_random_uuid(), (date_trunc('month', now() at time zone 'UTC') - interval '36 months' - interval '1 second') at time zone 'UTC', 0),
       ('00000000-0000-4000-8000-00000000a002', gen_random_uuid(), (date_trunc('month', now() at time zone 'UTC') - interval '36 months') at time zone 'UTC', 0),
       ('00000000-0000-4000-8000-00000000a003', gen_random_uuid(), now() - interval '1 day', 0);
insert into staging.stg_supabase_auth_events (event_id, user_id, event_type, occurred_at, _batch_id)
values ('00000000-0000-4000-8000-00000000b001', gen_random_uuid(), 'login_success', now() - interval '40 months', 0),
       ('00000000-0000-4000-8000-00000000b002', gen_random_uuid(), 'login_success', now() - interval '30 months', 0);
insert into marts.marts_core_user_activity_daily (activity_date, user_id)
values ((date_trunc('month', current_date) - interval '60 months')::date - 1, gen_random_uuid()),
       ((date_trunc('month', current_date) - interval '60 months')::date, gen_random_uuid()),
       (current_date - 40 * 30, gen_random_uuid());
insert into marts.marts_core_auth_events (event_id, user_id, event_date, occurred_at, event_type, is_login_attempt, is_login_success,
    is_login_failure, is_token_refresh)
values ('00000000-0000-4000-8000-00000000c001', gen_random_uuid(), current_date - 62 * 31, now() - interval '62 months', 'logout', false, false, false, false),
       ('00000000-0000-4000-8000-00000000c002', gen_random_uuid(), current_date - 40 * 31, now() - interval '40 months', 'logout', false, false, false, false);
insert into staging.stg_supabase_users (user_id, email_hash, created_at, _batch_id)
values ('00000000-0000-4000-8000-00000000d001', repeat('d', 64), now() - interval '10 years', 0);

select results_eq(
    $$select table_name, row_count from warehouse.rows_due_for_retention() where row_count > 0 order by 1$$,
    $$values ('marts.marts_core_auth_events', 1::bigint), ('marts.marts_core_user_activity_daily', 1::bigint),
             ('staging.stg_supabase_auth_events', 1::bigint), ('staging.stg_supabase_sessions', 1::bigint)$$,
    'rows_due_for_retention should count one old row per table, without deleting');
select throws_like($$select * from warehouse.apply_row_retention(current_date + 1)$$, '%after today%',
    'apply_row_retention should refuse an as-of date in the future');
select results_eq(
    $$select table_name, rows_deleted from warehouse.apply_row_retention() where rows_deleted > 0 order by 1$$,
    $$values ('marts.marts_core_auth_events', 1::bigint), ('marts.marts_core_user_activity_daily', 1::bigint),
             ('staging.stg_supabase_auth_events', 1::bigint), ('staging.stg_supabase_sessions', 1::bigint)$$,
    'apply_row_retention should delete the one old row of each table');
select results_eq(
    $$select session_id::text from staging.stg_supabase_sessions order by 1$$,
    $$values ('00000000-0000-4000-8000-00000000a002'), ('00000000-0000-4000-8000-00000000a003')$$,
    'staging sessions from the cut-off on should be kept, to the second');
select results_eq(
    $$select (select count(*)::int from staging.stg_supabase_auth_events), (select count(*)::int from marts.marts_core_user_activity_daily),
             (select count(*)::int from marts.marts_core_auth_events)$$,
    $$values (1, 2, 1)$$,
    'auth events and daily activity inside their periods should be kept');
select is((select count(*)::int from staging.stg_supabase_users where user_id = '00000000-0000-4000-8000-00000000d001'), 1,
    'a ten-year-old user should stay in the current-state staging table');

select * from finish();
rollback;
