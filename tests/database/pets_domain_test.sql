-- Test: the pets domain rides the shared machinery — registry rows, raw tables, models, tests, RLS and
-- erasure — and a fixture of one owner's pet publishes the hand-computed rows into every pets mart; a
-- vaccine before birth or a non-positive weight blocks the run; forget_user leaves no row of the pets.
begin;
select plan(40);

-- Helpers of this file (tests.* is shared; these are local to the transaction).
create function pg_temp.publish()
returns jsonb
language plpgsql
as $$
declare
    v_run bigint;
begin
    insert into warehouse.pipeline_runs default values returning run_id into v_run;
    perform warehouse.extract_source(s.source_name) from warehouse.sources as s order by s.source_name;
    return warehouse.transform_and_publish(v_run);
end;
$$;

create function pg_temp.create_pet(p_owner uuid, p_name text, p_species text, p_birth_date date)
returns uuid
language sql
as $$
    insert into public.pets (owner_user_id, name, species, breed, birth_date, sex, is_neutered, created_at)
    values (p_owner, p_name, p_species, 'Mixed', p_birth_date, 'female', true, now() - interval '90 days')
    returning id
$$;

create function pg_temp.create_health_event(p_pet uuid, p_type text, p_name text, p_occurred_on date, p_next_due_on date)
returns uuid
language sql
as $$
    insert into public.health_events (pet_id, event_type, vaccine_name, medication_name, occurred_on, next_due_on, outcome, notes)
    values (p_pet, p_type, case when p_type = 'vaccine' then p_name end, case when p_type = 'medication' then p_name end,
        p_occurred_on, p_next_due_on, 'given', 'Rex was brave today')
    returning id
$$;

-- Registry and raw layer.
select results_eq(
    $$select source_name, source_schema || '.' || source_table, raw_schema || '.' || raw_table, change_column, user_key_expression
      from warehouse.sources where source_name in ('supabase_pets', 'supabase_pet_weights', 'supabase_health_events', 'supabase_care_tasks')
      order by source_name$$,
    $$values ('supabase_care_tasks', 'public.care_tasks', 'raw.raw_supabase_care_tasks', 'updated_at',
                  '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)'),
             ('supabase_health_events', 'public.health_events', 'raw.raw_supabase_health_events', 'updated_at',
                  '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)'),
             ('supabase_pet_weights', 'public.pet_weights', 'raw.raw_supabase_pet_weights', 'updated_at',
                  '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)'),
             ('supabase_pets', 'public.pets', 'raw.raw_supabase_pets', 'updated_at', 's.owner_user_id')$$,
    'the registry should list the four pets sources, their raw tables and how to find their owner');
select is_empty(
    $$select t from unnest(array['raw_supabase_pets', 'raw_supabase_pet_weights', 'raw_supabase_health_events', 'raw_supabase_care_tasks']) as t
      left join warehouse.partitioned_tables as p on p.table_schema = 'raw' and p.table_name = t
      where to_regclass('raw.' || t) is null or p.table_name is null or to_regclass('raw.' || t || '_default') is null$$,
    'every pets raw table should exist, be registered for partition upkeep and have its DEFAULT partition');
select ok(
    (select bool_and(warehouse.has_delete_capture(s)) from unnest(array['supabase_pets', 'supabase_pet_weights', 'supabase_health_events', 'supabase_care_tasks']) as s),
    'every pets source should capture hard deletes');
select lives_ok(
    $$select warehouse.check_source_schema(s) from unnest(array['supabase_pets', 'supabase_pet_weights', 'supabase_health_events', 'supabase_care_tasks']) as s$$,
    'the registered columns should match the operational tables exactly (no schema drift)');
select hasnt_column('staging', 'stg_supabase_pets', 'name', 'staging pets should not hold the pet''s name');
select hasnt_column('staging', 'stg_supabase_health_events', 'notes', 'staging health events should not hold the free-text notes');
select is(
    (select array_agg(model_name order by model_name) from warehouse.models where model_name like '%pet%' or model_name in ('stg_supabase_health_events', 'stg_supabase_care_tasks')),
    array['marts_pets_attention_needed', 'marts_pets_care_schedule', 'marts_pets_dim_pets', 'marts_pets_health_events',
          'marts_pets_reminder_effectiveness_daily', 'marts_pets_vaccination_compliance', 'marts_pets_weight_history',
          'marts_pets_weight_trends_monthly', 'stg_supabase_care_tasks', 'stg_supabase_health_events', 'stg_supabase_pet_weights',
          'stg_supabase_pets'],
    'the pets models (and the pre-aggregated ones) should be registered');
select is_empty(
    $$select m.model_name from warehouse.models as m left join warehouse.model_state as s using (model_name)
      where (m.model_name like '%pet%' or m.model_name in ('stg_supabase_health_events', 'stg_supabase_care_tasks')) and s.model_name is null$$,
    'every pets model should have a position in model_state');
select is_empty(
    $$select t.table_schema || '.' || t.table_name
      from (select 'raw' as table_schema, raw_table as table_name from warehouse.sources where source_name like 'supabase_pet%'
                or source_name in ('supabase_health_events', 'supabase_care_tasks')
            union all
            select target_schema, target_table from warehouse.models where model_name like '%pet%' or model_name in ('stg_supabase_health_events', 'stg_supabase_care_tasks')) as t
      left join warehouse.user_keyed_tables as k using (table_schema, table_name)
      where k.table_name is null
        and exists (select 1 from pg_attribute as a where a.attrelid = (t.table_schema || '.' || t.table_name)::regclass
                    and a.attname in ('pet_id', 'owner_user_id', 'id') and not a.attisdropped)$$,
    'every pets raw, staging and mart table with rows of a pet should be registered for erasure (the pre-aggregated ones have none)');

-- Fixture: an owner with a two-year-old dog and its records; an opted-out owner with a cat.
create temporary table fixture as
select tests.create_user('pet.owner@example.com', 'Pat', 'Owner') as owner, tests.create_user('private.owner@example.com', 'Priv', 'Owner') as private_owner;
grant select on fixture to public;
update public.users set analytics_opt_out = true where id = (select private_owner from fixture);
select tests.create_auth_event(owner) from fixture;
select tests.create_auth_event(private_owner) from fixture;
create temporary table pet as
select pg_temp.create_pet(owner, 'Rex', 'dog', (current_date - interval '2 years 3 months')::date) as rex,
       pg_temp.create_pet(private_owner, 'Misty', 'cat', (current_date - interval '5 years')::date) as misty
from fixture;
grant select on pet to public;
select pg_temp.create_health_event(rex, 'vaccine', 'rabies', current_date - 400, current_date - 35) from pet;
select pg_temp.create_health_event(rex, 'vaccine', 'DHPP', current_date - 300, current_date + 10) from pet;
select pg_temp.create_health_event(rex, 'medication', 'flea_tick_preventive', current_date - 70, current_date - 40) from pet;
select pg_temp.create_health_event(rex, 'medication', 'flea_tick_preventive', current_date - 38, current_date - 8) from pet;
select pg_temp.create_health_event(rex, 'vet_visit', null, current_date - 20, null) from pet;
insert into public.pet_weights (pet_id, weighed_on, weight_kg)
select rex, d, w from pet, (values (current_date - 50, 20.00), (current_date - 20, 20.50), (current_date - 5, 17.50)) as v (d, w);
insert into public.care_tasks (pet_id, task_type, due_on, reminder_sent_at, completed_at, status, created_at)
select rex, t, due, reminder, completed, status, now() - interval '60 days'
from pet, (values
    ('vaccine_due', current_date - 10, (current_date - 13)::timestamptz, (current_date - 10) + interval '12 hours', 'completed'),
    ('medication', current_date - 20, null, (current_date - 17) + interval '9 hours', 'completed'),
    ('grooming', current_date + 5, null, null, 'scheduled')
) as v (t, due, reminder, completed, status);

select is(pg_temp.publish() ->> 'status', 'published', 'the fixture should publish');

select results_eq(
    $$select species::text, life_stage::text, age_months, age_years, vaccination_status::text, health_status::text, vaccine_doses,
             next_vaccine_due_on, last_vet_visit_on, latest_weight_kg, analytics_opt_out
      from marts.marts_pets_dim_pets order by species$$,
    $$values ('cat', 'adult', 60, 5, 'no_record', 'up_to_date', 0, null::date, null::date, null::numeric, true),
             ('dog', 'adult', 27, 2, 'overdue', 'vaccine_overdue', 2, current_date - 35, current_date - 20, 17.50, false)$$,
    'the pet dimension should hold one row per pet with age, life stage, statuses and latest weight');
select results_eq(
    $$select event_type::text, coalesce(vaccine_name, medication_name)::text, event_date, next_due_on, is_overdue_at_time
      from marts.marts_pets_health_events order by event_date$$,
    $$values ('vaccine', 'rabies', current_date - 400, current_date - 35, false),
             ('vaccine', 'DHPP', current_date - 300, current_date + 10, false),
             ('medication', 'flea_tick_preventive', current_date - 70, current_date - 40, false),
             ('medication', 'flea_tick_preventive', current_date - 38, current_date - 8, true),
             ('vet_visit', null, current_date - 20, null::date, false)$$,
    'the health events mart should hold one row per event, flagging a dose given after the previous said it was due');
select results_eq(
    $$select task_type::text, status::text, reminder_sent, completed_on_time, days_late from marts.marts_pets_care_schedule order by due_on$$,
    $$values ('medication', 'completed', false, false, 3),
             ('vaccine_due', 'completed', true, true, 0),
             ('grooming', 'scheduled', false, false, null::integer)$$,
    'the care schedule should hold one row per task with on-time completion, reminder and days late');
select results_eq(
    $$select reason::text, subject::text, due_on, days_overdue, weight_change_pct from marts.marts_pets_attention_needed order by reason, subject$$,
    $$values ('abnormal_weight_change', 'weight', current_date - 5, 0, -14.6),
             ('medication_gap', 'flea_tick_preventive', current_date - 8, 8, null::numeric),
             ('vaccine_due', 'DHPP', current_date + 10, 0, null),
             ('vaccine_overdue', 'rabies', current_date - 35, 35, null)$$,
    'the attention mart should list the overdue and due vaccines, the medication gap and the abnormal weight change');
select results_eq(
    $$select weighed_on, weight_kg, life_stage::text, change_pct from marts.marts_pets_weight_history order by weighed_on$$,
    $$values (current_date - 50, 20.00, 'adult', null::numeric), (current_date - 20, 20.50, 'adult', 2.5), (current_date - 5, 17.50, 'adult', -14.6)$$,
    'the weight history should hold one row per weigh-in with the change from the previous one');
select results_eq(
    $$select species::text, pet_count, up_to_date_count, overdue_count, no_record_count from marts.kpi_vaccination_compliance order by species$$,
    $$values ('dog', 1::bigint, 0::bigint, 1::bigint, 0::bigint)$$,
    'vaccination compliance should count pets by vaccination status per species (its pre-aggregated mart counts no pet of an owner who opted out, for anyone)');
select results_eq(
    $$select task_type::text, reminder_sent, tasks_due, completed_on_time from marts.kpi_reminder_effectiveness order by task_type$$,
    $$values ('medication', false, 1::bigint, 0::bigint), ('vaccine_due', true, 1::bigint, 1::bigint)$$,
    'reminder effectiveness should compare on-time completion with and without a reminder');
select is((select count(*)::int from raw.raw_supabase_pets where name = 'Rex'), 1, 'the pet''s name should be kept in raw');
select is_empty(
    $$select 1 from marts.marts_pets_health_events as e join raw.raw_supabase_health_events as r on r.id = e.health_event_id
      where to_jsonb(e)::text like '%Rex%'$$,
    'no pets mart row should carry the pet''s name or the notes');

-- Opt-out: the analysts see none of the opted-out owner's pets.
set local role analyst_role;
set local search_path = marts, extensions;
select is((select count(*)::int from marts_pets_dim_pets), 1, 'analysts should not see the pets of an owner who opted out');
select is((select count(*)::int from marts_pets_dim_pets where pet_id = (select misty from pet)), 0, 'nor that cat in particular');
select is((select sum(pet_count)::int from kpi_vaccination_compliance), 1, 'nor count it in the vaccination KPI');
select throws_like($$select * from staging.stg_supabase_pets$$, '%permission denied%', 'analysts should be refused pets staging');
reset role;
set local search_path = public, extensions;

-- Quality gate: a vaccine dated before the pet was born blocks the run and changes nothing.
create temporary table marts_before as select (select count(*) from marts.marts_pets_health_events) as events, (select count(*) from marts.marts_pets_weight_history) as weights;
create temporary table bad_vaccine as select pg_temp.create_health_event(rex, 'vaccine', 'DHPP', current_date - 1000, current_date - 600) as id from pet;
create temporary table blocked_1 as select pg_temp.publish() as result;
select is((select result ->> 'status' from blocked_1), 'blocked', 'a vaccine before birth should block the run');
select ok((select result -> 'failing_tests' ? 'marts_pets_health_events__no_vaccine_before_birth' from blocked_1),
    'the run should name the failing test');
select is((select failing_rows::int from warehouse.quality_test_results where test_name = 'marts_pets_health_events__no_vaccine_before_birth'
           order by result_id desc limit 1), 1, 'the test result should count the one failing row');
select is((select count(*) from marts.marts_pets_health_events), (select events from marts_before), 'the marts should keep the last good state');
delete from public.health_events where id = (select id from bad_vaccine);

-- A non-positive weight blocks the run too.
insert into public.pet_weights (pet_id, weighed_on, weight_kg) select rex, current_date - 1, 0 from pet;
create temporary table blocked_2 as select pg_temp.publish() as result;
select is((select result ->> 'status' from blocked_2), 'blocked', 'a weight of 0 kg should block the run');
select ok((select result -> 'failing_tests' ? 'stg_supabase_pet_weights__weight_positive' from blocked_2), 'the run should name the weight test');
select is((select count(*) from marts.marts_pets_weight_history), (select weights from marts_before), 'the weight history should be unchanged');
delete from public.pet_weights where weight_kg <= 0;
select is(pg_temp.publish() ->> 'status', 'published', 'with the bad rows deleted the run should publish again');
select is((select count(*)::int from marts.marts_pets_health_events where event_date = current_date - 1000), 0,
    'the deleted vaccine should not reach the marts');

-- Incremental: a new dose of rabies clears the overdue status for that pet only.
select pg_temp.create_health_event(rex, 'vaccine', 'rabies', current_date - 1, current_date + 364) from pet;
select is(pg_temp.publish() ->> 'status', 'published', 'a new dose should publish');
select results_eq(
    $$select vaccination_status::text, health_status::text from marts.marts_pets_dim_pets where pet_id = (select rex from pet)$$,
    $$values ('up_to_date', 'needs_attention')$$,
    'the booster should move the dog from vaccine_overdue to needs_attention (still a gap and a weight change)');
select is((select count(*)::int from marts.marts_pets_attention_needed where reason = 'vaccine_overdue'), 0, 'and the overdue row should be gone');

-- Erasure: nothing of the owner's pets stays anywhere, and extraction does not bring them back.
select cmp_ok((select sum(row_count)::int from warehouse.user_row_counts((select owner from fixture)) where table_name like '%pet%'
               or table_name like '%health%' or table_name like '%care%'), '>', 20, 'before erasure the owner''s pets should be in every layer');
select lives_ok($$select warehouse.forget_user((select owner from fixture))$$, 'forget_user should erase the owner');
select is_empty(
    $$select table_name from warehouse.user_row_counts((select owner from fixture)) where row_count > 0$$,
    'no raw, staging or mart table should hold a row of the forgotten owner''s pets');
select is((select count(*)::int from raw.raw_supabase_pets where id = (select rex from pet)), 0, 'not even a raw version of the dog');
update public.pets set breed = 'Labrador Retriever' where id = (select rex from pet);
insert into public.pet_weights (pet_id, weighed_on, weight_kg) select rex, current_date, 18.00 from pet;
select pg_temp.create_health_event(rex, 'vet_visit', null, current_date, null) from pet;
select warehouse.extract_source(source_name) from warehouse.sources;
select is_empty(
    $$select table_name from warehouse.user_row_counts((select owner from fixture)) where row_count > 0$$,
    'a later extraction should not bring the forgotten owner''s pets back');

select * from finish();
rollback;
