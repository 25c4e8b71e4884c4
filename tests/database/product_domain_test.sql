-- Test: the product usage domain — product events extracted through the registry, staged without PII
-- properties, modelled into feature usage and funnel marts and KPI views equal to hand-computed
-- values; a funnel step timed before its previous step blocks the run; erasure and opt-out reach
-- every product table.
begin;
select plan(30);
set local timezone = 'UTC';

-- ---------------------------------------------------------------------------------------------
-- Registry
-- ---------------------------------------------------------------------------------------------

select is((select c.relkind::text from pg_class as c where c.oid = 'raw.raw_supabase_product_events'::regclass), 'p',
    'the raw product events table should exist, partitioned');
select ok(exists (select 1 from warehouse.partitioned_tables where table_schema = 'raw' and table_name = 'raw_supabase_product_events'),
    'its partitions should be kept by ensure_partitions');
select results_eq(
    $$select source_table, primary_key_column, change_column, raw_table, user_key_expression
      from warehouse.sources where source_name = 'supabase_product_events'$$,
    $$values ('product_events'::text, 'id'::text, 'created_at'::text, 'raw_supabase_product_events'::text, 's.user_id'::text)$$,
    'the product events source should be registered, extracted by created_at, keyed to its user');
select lives_ok($$select warehouse.check_source_schema('supabase_product_events')$$,
    'the registered columns should match public.product_events exactly');
select ok(warehouse.has_delete_capture('supabase_product_events'), 'hard deletes of product events should be captured');
select results_eq(
    $$select model_name, reads from warehouse.model_lineage() where model_name ~ 'product' order by 1$$,
    $$values ('marts_product_feature_adoption_daily'::text, '{marts.marts_core_dim_users,marts.marts_core_user_activity_daily,marts.marts_product_feature_usage,marts.marts_product_funnel_events,staging.stg_supabase_auth_events,staging.stg_supabase_product_events,staging.stg_supabase_users}'::text[]),
             ('marts_product_feature_usage'::text, '{staging.stg_supabase_product_events,staging.stg_supabase_users}'::text[]),
             ('marts_product_funnel_conversion_daily'::text, '{marts.marts_core_dim_users,marts.marts_product_funnel_events,staging.stg_supabase_product_events,staging.stg_supabase_users}'::text[]),
             ('marts_product_funnel_events'::text, '{staging.stg_supabase_product_events,staging.stg_supabase_users}'::text[]),
             ('stg_supabase_product_events'::text, '{raw.raw_supabase_product_events}'::text[])$$,
    'the product models (and the two pre-aggregated ones) should be registered with their lineage');
select is((select count(*)::int from warehouse.model_state where model_name ~ 'product'), 5, 'each product model should have a position');
select results_eq(
    $$select table_schema || '.' || table_name, retain_months from warehouse.retention_policies where table_name ~ 'product' order by 1$$,
    $$values ('marts.marts_product_feature_adoption_daily', 60), ('marts.marts_product_feature_usage', 60),
             ('marts.marts_product_funnel_conversion_daily', 60), ('marts.marts_product_funnel_events', 60),
             ('raw.raw_supabase_product_events', 24), ('staging.stg_supabase_product_events', 36)$$,
    'every product table should have its layer''s retention period');
select is((select count(*)::int from warehouse.user_keyed_tables where table_name ~ 'product' and user_predicate = 'user_id = $1'), 4,
    'every product table with user rows should be registered for erasure (the pre-aggregated ones have none)');

-- ---------------------------------------------------------------------------------------------
-- Fixture: A and B use features and go through funnels, C (opted out) too, D only logged in (5 days ago).
-- Days are relative to today (UTC); D0 = today 00:00 UTC.
-- ---------------------------------------------------------------------------------------------

create temporary table fixture as
select tests.create_user(format('product%s@example.com', n)) as user_id, n,
       (array['A', 'B', 'C', 'D'])[n] as who
from generate_series(1, 4) as n;
update public.users set analytics_opt_out = true where id = (select user_id from fixture where who = 'C');
select tests.create_auth_event((select user_id from fixture where who = 'D'), 'login_success', current_date - 5 + time '09:00');
-- (and B logged in two hours ago: auth events are fresh, and B is active anyway)
select tests.create_auth_event((select user_id from fixture where who = 'B'));

create temporary table d0 as select current_date::timestamptz as d0;

insert into public.product_events (user_id, event_name, feature_name, funnel_name, funnel_step, step_number, duration_seconds, properties, occurred_at)
select f.user_id, e.event_name, e.feature_name, e.funnel_name, e.funnel_step, e.step_number, e.duration_seconds, e.properties::jsonb,
       (select d0 from d0) + e.at::interval
from (values
    ('A', 'feature_used', 'pet_profile', null, null, null::smallint, 60, '{"device_type": "ios"}', '-2 days 10:00'),
    ('A', 'feature_used', 'pet_profile', null, null, null, 30, '{}', '-2 days 11:00'),
    ('A', 'feature_used', 'pet_profile', null, null, null, 20, '{}', '-1 days 09:00'),
    ('A', 'feature_used', 'health_log', null, null, null, 100, '{"note": {"email": "a@example.com"}}', '-40 days 10:00'),
    ('B', 'feature_used', 'pet_profile', null, null, null, 40, '{}', '-1 days 08:00'),
    ('B', 'feature_used', 'health_log', null, null, null, 200, '{}', '-3 days 10:00'),
    ('C', 'feature_used', 'pet_profile', null, null, null, 10, '{}', '-1 days 10:00'),
    ('A', 'funnel_step', null, 'onboarding', 'signup', 1, null, '{}', '-40 days 10:00'),
    ('A', 'funnel_step', null, 'onboarding', 'add_pet', 2, null, '{"species": "dog"}', '-40 days 10:05'),
    ('A', 'funnel_step', null, 'onboarding', 'first_health_log', 3, null, '{}', '-39 days 10:05'),
    ('B', 'funnel_step', null, 'onboarding', 'signup', 1, null, '{}', '-30 days 10:00'),
    ('C', 'funnel_step', null, 'onboarding', 'signup', 1, null, '{}', '-30 days 10:00'),
    ('C', 'funnel_step', null, 'onboarding', 'add_pet', 2, null, '{}', '-30 days 10:01'),
    ('A', 'funnel_step', null, 'premium_upgrade', 'view_pricing', 1, null, '{}', '-2 days 12:00'),
    ('A', 'funnel_step', null, 'premium_upgrade', 'start_checkout', 2, null, '{"plan": "annual"}', '-2 days 12:10')
) as e (who, event_name, feature_name, funnel_name, funnel_step, step_number, duration_seconds, properties, at)
join fixture as f on f.who = e.who;

grant select on fixture, d0 to public;

insert into warehouse.pipeline_runs default values;
select is((warehouse.extract_source('supabase_product_events')).rows_inserted, 15::bigint,
    'extraction should copy every product event into raw');
select warehouse.extract_source(s) from unnest(array['supabase_users', 'supabase_auth_events']) as s;
select is(warehouse.transform_and_publish((select max(run_id) from warehouse.pipeline_runs)) ->> 'status', 'published',
    'the fixture should publish');

-- ---------------------------------------------------------------------------------------------
-- Staging and marts, as a data engineer sees them (every user)
-- ---------------------------------------------------------------------------------------------

select results_eq(
    $$select e.event_date, e.properties, e.properties_withheld
      from staging.stg_supabase_product_events as e join fixture as f on f.user_id = e.user_id
      where f.who = 'A' and e.feature_name = 'health_log'$$,
    $$values (current_date - 40, null::jsonb, true)$$,
    'staging should derive the event date and drop properties that hold PII');
select results_eq(
    $$select e.properties from staging.stg_supabase_product_events as e
      where e.funnel_step = 'add_pet' and e.user_id = (select user_id from fixture where who = 'A')$$,
    $$values ('{"species": "dog"}'::jsonb)$$,
    'staging should keep properties without PII');

select results_eq(
    $$select f.who, m.usage_date - current_date, m.feature_name::text, m.usage_count, m.time_spent_seconds,
             m.first_used_at - (select d0 from d0), m.is_first_use_ever, m.analytics_opt_out
      from marts.marts_product_feature_usage as m join fixture as f on f.user_id = m.user_id
      order by 1, 2, 3$$,
    $$values ('A', -40, 'health_log', 1, 100::bigint, '-40 days 10:00'::interval, true, false),
             ('A', -2, 'pet_profile', 2, 90::bigint, '-2 days 10:00'::interval, true, false),
             ('A', -1, 'pet_profile', 1, 20::bigint, '-1 days 09:00'::interval, false, false),
             ('B', -3, 'health_log', 1, 200::bigint, '-3 days 10:00'::interval, true, false),
             ('B', -1, 'pet_profile', 1, 40::bigint, '-1 days 08:00'::interval, true, false),
             ('C', -1, 'pet_profile', 1, 10::bigint, '-1 days 10:00'::interval, true, true)$$,
    'feature usage should hold one row per feature per user per day, with counts, time spent and first use');

select results_eq(
    $$select f.who, m.funnel_name::text, m.step_number::int, m.step_name::text, m.reached_at - (select d0 from d0),
             m.previous_step_reached_at - (select d0 from d0), m.seconds_from_previous_step, m.converted_to_next, m.analytics_opt_out
      from marts.marts_product_funnel_events as m join fixture as f on f.user_id = m.user_id
      order by 1, 2, 3$$,
    $$values ('A', 'onboarding', 1, 'signup', '-40 days 10:00'::interval, null::interval, null::bigint, true, false),
             ('A', 'onboarding', 2, 'add_pet', '-40 days 10:05', '-40 days 10:00', 300, true, false),
             ('A', 'onboarding', 3, 'first_health_log', '-39 days 10:05', '-40 days 10:05', 86400, false, false),
             ('A', 'premium_upgrade', 1, 'view_pricing', '-2 days 12:00', null, null, true, false),
             ('A', 'premium_upgrade', 2, 'start_checkout', '-2 days 12:10', '-2 days 12:00', 600, false, false),
             ('B', 'onboarding', 1, 'signup', '-30 days 10:00', null, null, false, false),
             ('C', 'onboarding', 1, 'signup', '-30 days 10:00', null, null, true, true),
             ('C', 'onboarding', 2, 'add_pet', '-30 days 10:01', '-30 days 10:00', 60, false, true)$$,
    'funnel events should hold one row per step per user and funnel, timed from the previous step');

-- ---------------------------------------------------------------------------------------------
-- As an analyst: the opted-out user is invisible, and the KPI views count without them
-- ---------------------------------------------------------------------------------------------

set local role analyst_role;
set local search_path = marts, extensions;
select is((select count(*)::int from marts_product_feature_usage where user_id = (select user_id from fixture where who = 'C')), 0,
    'analysts should see none of the opted-out user''s feature usage');
select is((select count(*)::int from marts_product_funnel_events where user_id = (select user_id from fixture where who = 'C')), 0,
    'analysts should see none of the opted-out user''s funnel steps');
select is((select count(*)::int from marts_product_feature_usage), 5, 'analysts should see everyone else''s feature usage');
select results_eq(
    $$select feature_name::text, users_last_30_days, active_users_last_30_days, adoption_rate, total_usage,
             total_time_spent_seconds, avg_seconds_per_use, avg_seconds_per_user
      from kpi_feature_adoption order by 1$$,
    $$values ('health_log', 1::bigint, 3::bigint, 0.3333, 1::bigint, 200::bigint, 200.0, 200.0),
             ('pet_profile', 2::bigint, 3::bigint, 0.6667, 4::bigint, 150::bigint, 37.5, 75.0)$$,
    'feature adoption should count the last 30 days against users with a feature use, funnel step or login then');
select results_eq(
    $$select funnel_name::text, step_number::int, step_name::text, users_reached, users_previous_step, conversion_from_previous,
             drop_off_from_previous, drop_off_rate_from_previous, overall_conversion
      from kpi_funnel_conversion order by 1, 2$$,
    $$values ('onboarding', 1, 'signup', 2::bigint, null::bigint, null::numeric, null::bigint, null::numeric, 1.0000),
             ('onboarding', 2, 'add_pet', 1, 2, 0.5000, 1, 0.5000, 0.5000),
             ('onboarding', 3, 'first_health_log', 1, 1, 1.0000, 0, 0.0000, 0.5000),
             ('premium_upgrade', 1, 'view_pricing', 1, null, null, null, null, 1.0000),
             ('premium_upgrade', 2, 'start_checkout', 1, 1, 1.0000, 0, 0.0000, 1.0000)$$,
    'funnel conversion should give users per step, conversion and drop-off from the previous step and from step 1');
reset role;
reset search_path;

set local role data_engineer_role;
select is((select count(*)::int from marts.marts_product_funnel_events where user_id = (select user_id from fixture where who = 'C')), 2,
    'data engineers should see the opted-out user''s rows');
reset role;

-- ---------------------------------------------------------------------------------------------
-- A funnel step timed before its previous step blocks the run
-- ---------------------------------------------------------------------------------------------

create temporary table before_block as
select * from marts.marts_product_funnel_events order by user_id, funnel_name, step_name;
insert into public.product_events (user_id, event_name, funnel_name, funnel_step, step_number, occurred_at)
values ((select user_id from fixture where who = 'B'), 'funnel_step', 'onboarding', 'add_pet', 2, (select d0 from d0) - interval '31 days');
insert into warehouse.pipeline_runs default values;
select is((warehouse.extract_source('supabase_product_events')).rows_inserted, 1::bigint, 'the bad step should be extracted');
create temporary table blocked as select warehouse.transform_and_publish((select max(run_id) from warehouse.pipeline_runs)) as result;
select is((select result ->> 'status' from blocked), 'blocked', 'a step reached before its previous step should block the run');
select ok((select result -> 'failing_tests' ? 'marts_product_funnel_events__step_before_previous' from blocked),
    'the failing test should be named');
select is((select status from warehouse.quality_test_results
           where run_id = (select max(run_id) from warehouse.pipeline_runs) and test_name = 'marts_product_funnel_events__step_before_previous'),
    'fail', 'the failing result should be recorded');
select results_eq(
    $$select * from marts.marts_product_funnel_events order by user_id, funnel_name, step_name$$,
    $$select * from before_block$$,
    'the funnel mart should be left as last published');
select is((select count(*)::int from staging.stg_supabase_product_events where user_id = (select user_id from fixture where who = 'B')), 3,
    'staging should be left as last published too');

-- ---------------------------------------------------------------------------------------------
-- Erasure
-- ---------------------------------------------------------------------------------------------

select ok((select count(*) from warehouse.user_row_counts((select user_id from fixture where who = 'A')) where table_name ~ 'product' and row_count > 0) = 4,
    'before erasure, A should have rows in every product table');
select warehouse.forget_user((select user_id from fixture where who = 'A'));
select is_empty(
    $$select table_name from warehouse.user_row_counts((select user_id from fixture where who = 'A')) where row_count > 0$$,
    'forget_user should leave no row of the user in any table');
select is((select count(*)::int from marts.marts_product_feature_usage where user_id = (select user_id from fixture where who = 'B')), 2,
    'and leave other users'' rows alone');

select * from finish();
rollback;
