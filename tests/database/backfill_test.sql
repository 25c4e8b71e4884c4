-- Test: a backfill's plan (every source, every model in dependency order, each layer's tests, publish),
-- the publication gate analysts' policies ask, the step settings, and the bulk load's index rebuild,
-- which gives back exactly the indexes and key constraints it dropped, and still refuses a duplicated key.
begin;
select plan(15);

insert into warehouse.pipeline_runs default values;
create temporary table run as select max(run_id) as run_id from warehouse.pipeline_runs;

select ok(not warehouse.has_published(), 'a warehouse that never published should not be published');
select is((warehouse.unfinished_backfill()).backfill_id, null, 'no backfill should be unfinished before one is planned');
select is((select count(*)::int from warehouse.backfills), 0, 'and none planned');

create temporary table planned as select warehouse.plan_backfill('initial', (select run_id from run)) as backfill_id;
select results_eq(
    $$select step_kind, count(*)::int from warehouse.backfill_steps where backfill_id = (select backfill_id from planned)
      group by step_kind order by min(step_no)$$,
    $$values ('extract', (select count(*)::int from warehouse.sources where is_enabled)),
             ('model', (select count(*)::int from warehouse.models)),
             ('test', 2), ('publish', 1)$$,
    'the plan should extract every source, rebuild every model, test both layers and publish');
select is(
    (select array_agg(target order by step_no) from warehouse.backfill_steps
     where backfill_id = (select backfill_id from planned) and step_kind in ('model', 'test')),
    (select array_agg(o.model_name order by o.depth, o.model_name) filter (where o.layer = 'staging')
            || array['staging']
            || array_agg(o.model_name order by o.depth, o.model_name) filter (where o.layer = 'marts')
            || array['marts']
     from warehouse.model_order() as o),
    'staging models, the staging tests, marts in dependency order, then the mart tests');
select throws_ok($$select warehouse.plan_backfill('full_refresh', null)$$, '23505', null,
    'only one backfill can be unfinished at a time');

-- The gate: analysts see nothing while a backfill is unfinished, everything after it published.
insert into warehouse.pipeline_steps (run_id, step_name, target, status, finished_at)
select run_id, 'publish', 'staging, marts', 'succeeded', now() from run;
select ok(not warehouse.has_published(), 'a published warehouse is unpublished while a backfill is unfinished');
set local role analyst_role;
select ok(not marts.is_published(), 'analysts'' policies ask marts.is_published(), which they may call');
reset role;
update warehouse.backfills set status = 'succeeded', finished_at = now() where backfill_id = (select backfill_id from planned);
select ok(warehouse.has_published(), 'once the backfill published, analysts see the marts again');

-- Settings per step, from the settings table, not the server.
select warehouse.apply_step_settings(true);
select is(current_setting('work_mem'), (select value from warehouse.pipeline_settings where setting_name = 'backfill_work_mem'),
    'a backfill step should set its own work_mem');

-- The bulk load's index rebuild gives back the same indexes (a partitioned raw table's included).
create temporary table indexes_before as
select c.relname, pg_get_indexdef(i.indexrelid) as definition
from pg_index as i join pg_class as c on c.oid = i.indexrelid
where i.indrelid in ('staging.stg_supabase_sessions'::regclass, 'raw.raw_supabase_sessions'::regclass);
select warehouse.create_indexes(warehouse.drop_secondary_indexes('staging.stg_supabase_sessions'));
select warehouse.create_indexes(warehouse.drop_secondary_indexes('raw.raw_supabase_sessions'));
select set_eq(
    $$select c.relname, pg_get_indexdef(i.indexrelid) from pg_index as i join pg_class as c on c.oid = i.indexrelid
      where i.indrelid in ('staging.stg_supabase_sessions'::regclass, 'raw.raw_supabase_sessions'::regclass)$$,
    $$select relname, definition from indexes_before$$,
    'dropping and creating the secondary indexes should give back the same indexes, with the same names');
select is(
    (select count(*)::int from pg_inherits as h join pg_index as i on i.indrelid = h.inhrelid
     where h.inhparent = 'raw.raw_supabase_sessions'::regclass and not i.indisvalid),
    0, 'and every partition''s indexes should be valid');

-- The key constraints too: the same primary key (name, columns, index) after the rebuild, built over the rows.
create temporary table keys_before as
select c.conname, pg_get_constraintdef(c.oid) as definition, i.relname as index_name
from pg_constraint as c join pg_class as i on i.oid = c.conindid
where c.conrelid = 'marts.marts_product_feature_usage'::regclass and c.contype in ('p', 'u');
select warehouse.drop_key_constraints('marts.marts_product_feature_usage') as feature_usage_keys \gset
select is(cardinality(:'feature_usage_keys'::text[]), 1,
    'a mart''s primary key should be dropped and returned as one statement');
select warehouse.create_indexes(:'feature_usage_keys'::text[]);
select set_eq(
    $$select c.conname, pg_get_constraintdef(c.oid), i.relname from pg_constraint as c join pg_class as i on i.oid = c.conindid
      where c.conrelid = 'marts.marts_product_feature_usage'::regclass and c.contype in ('p', 'u')$$,
    $$select conname, definition, index_name from keys_before$$,
    'and the statement should give back the same constraint, with its index of the same name');
-- A bulk load that wrote a key twice fails when the key is built again, as the insert would have.
select warehouse.drop_key_constraints('marts.marts_core_signup_cohorts') as signup_cohort_keys \gset
insert into marts.marts_core_signup_cohorts (cohort_week, cohort_size) values ('2026-01-05', 1), ('2026-01-05', 2);
select throws_ok(
    format('select warehouse.create_indexes(%L::text[])', :'signup_cohort_keys'),
    '23505', null, 'a duplicated key should fail the rebuild of the primary key');

select * from finish();
rollback;
