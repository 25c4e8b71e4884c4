-- Test: every kind of data-quality test passes on good data and fails on bad data with the right failing
-- row count and sample keys, severity warn gives warn, freshness gives pass, warn or fail by age, a broken
-- test gives error without raising, evaluating writes nothing, failing_tests names exactly the blocking
-- tests, and record_quality_results stores the results.
begin;
select plan(33);

-- Scratch tables, and a run to attach results to.
create schema qt_scratch;
create table qt_scratch.owners (owner_id text, owner_label text);
create table qt_scratch.pets (pet_id text, owner_id text, species text, name text, weight_kg numeric, age_years integer);
create table qt_scratch.pet_profiles (pet_id text, is_active boolean);
create table qt_scratch.visits (pet_id text, visit_date date);
create table qt_scratch.events (event_id text, event_type text, created_at timestamptz);

insert into warehouse.pipeline_runs default values;
create temporary table run as select max(run_id) as run_id from warehouse.pipeline_runs;

-- The registry: one test per kind (two for unique and not_null), plus broken and disabled ones.
insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description, is_enabled)
values
    ('qt_pets__pet_id__unique', 'qt_pets', 'qt_scratch', 'pets', 'unique', 'pet_id', 'pet_id', '{}', 'error',
        'pet_id should identify a pet', true),
    ('qt_pets__name__not_null', 'qt_pets', 'qt_scratch', 'pets', 'not_null', 'name', 'pet_id', '{}', 'error',
        'every pet should have a name', true),
    ('qt_pets__name__not_null_warn', 'qt_pets', 'qt_scratch', 'pets', 'not_null', 'name', null, '{}', 'warn',
        'every pet should have a name (warning only, no samples)', true),
    ('qt_pets__cat_name__not_null', 'qt_pets', 'qt_scratch', 'pets', 'not_null', 'name', 'pet_id',
        $${"where": "species = 'cat'"}$$, 'error', 'every cat should have a name', true),
    ('qt_pets__species__accepted_values', 'qt_pets', 'qt_scratch', 'pets', 'accepted_values', 'species', 'pet_id',
        '{"values": ["cat", "dog"]}', 'error', 'pets should be cats or dogs', true),
    ('qt_pets__owner_id__relationships', 'qt_pets', 'qt_scratch', 'pets', 'relationships', 'owner_id', 'pet_id',
        '{"to_schema": "qt_scratch", "to_table": "owners", "to_column": "owner_id"}', 'error', 'every owner should exist', true),
    ('qt_pets__weight_age__no_negative', 'qt_pets', 'qt_scratch', 'pets', 'no_negative', null, 'pet_id',
        '{"columns": ["weight_kg", "age_years"]}', 'error', 'weights and ages should not be negative', true),
    ('qt_pets__weight_kg__expression', 'qt_pets', 'qt_scratch', 'pets', 'expression', 'weight_kg', 'pet_id',
        '{"where": "weight_kg <= 0"}', 'error', 'every pet should weigh something', true),
    ('qt_pets__profiles__row_count_match', 'qt_pets', 'qt_scratch', 'pets', 'row_count_match', null, null,
        $${"relations": [{"schema": "qt_scratch", "table": "pets", "label": "pets"},
                         {"schema": "qt_scratch", "table": "pet_profiles", "where": "is_active"}]}$$, 'error',
        'every pet should have one active profile', true),
    ('qt_pets__zz_disabled__not_null', 'qt_pets', 'qt_scratch', 'pets', 'not_null', 'no_such_column', null, '{}', 'error',
        'a disabled test should never run', false),
    ('qt_visits__pet_id_visit_date__unique', 'qt_visits', 'qt_scratch', 'visits', 'unique', null, null,
        '{"columns": ["pet_id", "visit_date"]}', 'error', 'one visit per pet per day', true),
    ('qt_events__created_at__freshness', 'qt_events', 'qt_scratch', 'events', 'freshness', 'created_at', null,
        '{"warn_after": "26 hours", "error_after": "48 hours"}', 'error', 'events should be fresh', true),
    ('qt_events__created_at__freshness_warn', 'qt_events', 'qt_scratch', 'events', 'freshness', 'created_at', null,
        '{"warn_after": "26 hours", "error_after": "48 hours"}', 'warn', 'events should be fresh (warning only)', true),
    ('qt_events__login_created_at__freshness', 'qt_events', 'qt_scratch', 'events', 'freshness', 'created_at', null,
        $${"warn_after": "26 hours", "error_after": "48 hours", "where": "event_type = 'login'"}$$, 'error',
        'logins should be fresh', true),
    ('qt_broken__microchip_id__not_null', 'qt_broken', 'qt_scratch', 'pets', 'not_null', 'microchip_id', 'pet_id', '{}', 'error',
        'a test of a column that does not exist', true),
    ('qt_broken__species__accepted_values', 'qt_broken', 'qt_scratch', 'pets', 'accepted_values', 'species', null, '{}', 'error',
        'a test without its params', true),
    ('qt_broken__tattoo__not_null', 'qt_broken', 'qt_scratch', 'pets', 'not_null', 'tattoo', null, '{}', 'warn',
        'a broken test of severity warn', true);

create function pg_temp.qt(p_test_name text)
returns warehouse.quality_test_results
language sql
as $$
    select warehouse.evaluate_quality_test(t, (select r.run_id from run as r))
    from warehouse.quality_tests as t
    where t.test_name = p_test_name
$$;

-- Good data.
insert into qt_scratch.owners values ('o-1', 'first'), ('o-2', 'second');
insert into qt_scratch.pets values
    ('p-01', 'o-1', 'cat', 'Mia', 4.2, 3),
    ('p-02', 'o-1', 'dog', 'Rex', 30.0, 7),
    ('p-03', 'o-2', 'dog', 'Bo', 12.5, 1);
insert into qt_scratch.pet_profiles values ('p-01', true), ('p-02', true), ('p-03', true), ('p-03', false);
insert into qt_scratch.visits values
    ('p-01', '2026-01-01'), ('p-01', '2026-01-02'), ('p-02', '2026-01-01'), (null, '2026-01-01'), (null, '2026-01-01');
insert into qt_scratch.events values ('e-1', 'login', now() - interval '2 hours');

create temporary table results_before as select count(*) as n from warehouse.quality_test_results;

select results_eq(
    $$select test_name, status, failing_rows, sample_keys from warehouse.run_quality_tests((select run_id from run), array['qt_visits', 'qt_pets'])$$,
    $$values
        ('qt_pets__cat_name__not_null', 'pass', 0::bigint, '{}'::text[]),
        ('qt_pets__name__not_null', 'pass', 0::bigint, '{}'::text[]),
        ('qt_pets__name__not_null_warn', 'pass', 0::bigint, '{}'::text[]),
        ('qt_pets__owner_id__relationships', 'pass', 0::bigint, '{}'::text[]),
        ('qt_pets__pet_id__unique', 'pass', 0::bigint, '{}'::text[]),
        ('qt_pets__profiles__row_count_match', 'pass', 0::bigint, '{}'::text[]),
        ('qt_pets__species__accepted_values', 'pass', 0::bigint, '{}'::text[]),
        ('qt_pets__weight_age__no_negative', 'pass', 0::bigint, '{}'::text[]),
        ('qt_pets__weight_kg__expression', 'pass', 0::bigint, '{}'::text[]),
        ('qt_visits__pet_id_visit_date__unique', 'pass', 0::bigint, '{}'::text[])$$,
    'on good data every kind should pass, evaluated in model and test order, with the disabled test left out');
select is(
    (select message from pg_temp.qt('qt_pets__profiles__row_count_match')),
    'row counts match: pets=3, qt_scratch.pet_profiles=3',
    'row_count_match should list each relation''s count, applying its where and labelling it by schema.table by default');
select is(
    (select message from pg_temp.qt('qt_visits__pet_id_visit_date__unique')),
    'unique (pet_id, visit_date) in qt_scratch.visits: 0 key values occur more than once (3 rows with a non-null key checked)',
    'unique should ignore rows with a null key part, as a unique constraint does');
select ok(
    (select result_id is null and run_id = (select r.run_id from run as r) and test_name = 'qt_pets__pet_id__unique'
     and model_name = 'qt_pets' and kind = 'unique' and severity = 'error' and checked_at is not null
     from pg_temp.qt('qt_pets__pet_id__unique')),
    'evaluate_quality_test should return the test''s identity and run id, with no result_id');
select set_eq(
    $$select test_name from warehouse.run_quality_tests(null)$$,
    $$select test_name from warehouse.quality_tests where is_enabled$$,
    'with no model names run_quality_tests should evaluate every enabled test');
select is(
    (select count(*) from warehouse.quality_test_results), (select n from results_before),
    'evaluating tests should insert nothing into the history');

-- Bad data.
insert into qt_scratch.pets values
    ('p-04', 'o-9', 'cat', null, -1.0, 2),
    ('p-05', null, 'hamster', 'Kiki', 0, 4),
    ('p-02', 'o-1', 'dog', 'Rex', 30.0, 7),
    ('p-06', 'o-8', 'parrot', null, 2.0, -5),
    ('p-06', 'o-8', 'parrot', null, 2.0, -5);
insert into qt_scratch.visits values ('p-01', '2026-01-02'), ('p-02', '2026-01-01'), ('p-02', '2026-01-01');

select results_eq(
    $$select status, failing_rows, sample_keys from pg_temp.qt('qt_pets__pet_id__unique')$$,
    $$values ('fail', 2::bigint, '{p-02,p-06}'::text[])$$,
    'unique should count the duplicated values and sample them');
select is(
    (select message from pg_temp.qt('qt_pets__pet_id__unique')),
    'unique (pet_id) in qt_scratch.pets: 2 key values occur more than once (8 rows with a non-null key checked)',
    'unique should say what it checked and what it found');
select results_eq(
    $$select status, failing_rows, sample_keys from pg_temp.qt('qt_visits__pet_id_visit_date__unique')$$,
    $$values ('fail', 2::bigint, '{p-01|2026-01-02,p-02|2026-01-01}'::text[])$$,
    'a composite unique should count duplicated key combinations and sample them joined with |');
select results_eq(
    $$select status, failing_rows, sample_keys, message from pg_temp.qt('qt_pets__name__not_null')$$,
    $$values ('fail', 3::bigint, '{p-04,p-06}'::text[], 'not_null name in qt_scratch.pets: 3 of 8 rows are null')$$,
    'not_null should count the null rows and sample their distinct keys');
select results_eq(
    $$select status, failing_rows, sample_keys from pg_temp.qt('qt_pets__name__not_null_warn')$$,
    $$values ('warn', 3::bigint, '{}'::text[])$$,
    'a failing test of severity warn should be warn, not fail, and without key_column should sample nothing');
select results_eq(
    $$select status, failing_rows, sample_keys from pg_temp.qt('qt_pets__cat_name__not_null')$$,
    $$values ('fail', 1::bigint, '{p-04}'::text[])$$,
    'params.where should restrict the rows checked');
select results_eq(
    $$select status, failing_rows, sample_keys from pg_temp.qt('qt_pets__species__accepted_values')$$,
    $$values ('fail', 3::bigint, '{hamster,parrot}'::text[])$$,
    'accepted_values should count rows outside the list and sample the distinct offending values');
select results_eq(
    $$select status, failing_rows, sample_keys from pg_temp.qt('qt_pets__owner_id__relationships')$$,
    $$values ('fail', 3::bigint, '{o-8,o-9}'::text[])$$,
    'relationships should count non-null values missing from the target and sample them, ignoring nulls');
select results_eq(
    $$select status, failing_rows, sample_keys from pg_temp.qt('qt_pets__weight_age__no_negative')$$,
    $$values ('fail', 3::bigint, '{p-04,p-06}'::text[])$$,
    'no_negative should count rows with any listed column below zero');
select results_eq(
    $$select status, failing_rows, sample_keys from pg_temp.qt('qt_pets__weight_kg__expression')$$,
    $$values ('fail', 2::bigint, '{p-04,p-05}'::text[])$$,
    'expression should count the rows its predicate selects');
select results_eq(
    $$select status, failing_rows, sample_keys, message from pg_temp.qt('qt_pets__profiles__row_count_match')$$,
    $$values ('fail', 5::bigint, '{}'::text[], 'row counts differ by 5: pets=8, qt_scratch.pet_profiles=3')$$,
    'row_count_match should fail by the difference between the largest and smallest count');

-- Samples stop at five.
insert into qt_scratch.pets select 'p-1' || g, 'o-1', 'dog', null, 1, 1 from generate_series(0, 9) as g;
select results_eq(
    $$select failing_rows, sample_keys from pg_temp.qt('qt_pets__name__not_null')$$,
    $$values (13::bigint, '{p-04,p-06,p-10,p-11,p-12}'::text[])$$,
    'samples should hold at most five keys, the first in text order');

-- Broken tests.
select lives_ok(
    $$select pg_temp.qt('qt_broken__microchip_id__not_null')$$,
    'a test of a missing column should not raise');
select results_eq(
    $$select status, failing_rows, message like '%microchip_id%does not exist%' from pg_temp.qt('qt_broken__microchip_id__not_null')$$,
    $$values ('error', 0::bigint, true)$$,
    'a test of a missing column should be error, with the database error as its message');
select results_eq(
    $$select status, message like '%needs params.values%' from pg_temp.qt('qt_broken__species__accepted_values')$$,
    $$values ('error', true)$$,
    'a test missing its params should be error, saying which param is missing');
select results_eq(
    $$select test_name, status from warehouse.run_quality_tests(null, array['qt_broken'])$$,
    $$values ('qt_broken__microchip_id__not_null', 'error'), ('qt_broken__species__accepted_values', 'error'), ('qt_broken__tattoo__not_null', 'error')$$,
    'run_quality_tests should report every broken test and go on');

-- Freshness by age: 2 hours passes (above), 30.5 hours warns, 50 hours fails, an empty table fails.
select results_eq(
    $$select status, failing_rows, message from pg_temp.qt('qt_events__created_at__freshness')$$,
    $$values ('pass', 0::bigint, 'newest created_at is 2.0 hours old (warn after 26 hours, error after 48 hours)')$$,
    'freshness should pass before warn_after and say the age in hours');
update qt_scratch.events set created_at = now() - interval '30 hours 30 minutes';
select results_eq(
    $$select status, failing_rows, message from pg_temp.qt('qt_events__created_at__freshness')$$,
    $$values ('warn', 1::bigint, 'newest created_at is 30.5 hours old (warn after 26 hours, error after 48 hours)')$$,
    'freshness past warn_after should be warn, even with severity error');
update qt_scratch.events set created_at = now() - interval '50 hours';
select results_eq(
    $$select status, failing_rows, message from pg_temp.qt('qt_events__created_at__freshness')$$,
    $$values ('fail', 1::bigint, 'newest created_at is 50.0 hours old (warn after 26 hours, error after 48 hours)')$$,
    'freshness past error_after should fail');
select is(
    (select status from pg_temp.qt('qt_events__created_at__freshness_warn')), 'warn',
    'freshness past error_after with severity warn should be warn');
insert into qt_scratch.events values ('e-2', 'logout', now() - interval '1 hour');
select results_eq(
    $$select test_name, status from warehouse.run_quality_tests(null, array['qt_events'])$$,
    $$values ('qt_events__created_at__freshness', 'pass'), ('qt_events__created_at__freshness_warn', 'pass'),
             ('qt_events__login_created_at__freshness', 'fail')$$,
    'freshness with params.where should look only at the rows it selects');
delete from qt_scratch.events;
select results_eq(
    $$select status, failing_rows, message from pg_temp.qt('qt_events__created_at__freshness')$$,
    $$values ('fail', 1::bigint, 'no created_at in qt_scratch.events: infinitely stale (warn after 26 hours, error after 48 hours)')$$,
    'an empty table should be infinitely stale');

-- What blocks publishing, and the history: results kept in a variable, as the pipeline keeps them.
create temporary table kept as
select array_agg(r) as results
from warehouse.run_quality_tests((select run_id from run), array['qt_pets', 'qt_visits', 'qt_events', 'qt_broken']) as r;

select is(
    warehouse.failing_tests((select results from kept)),
    array[
        'qt_broken__microchip_id__not_null',
        'qt_broken__species__accepted_values',
        'qt_events__created_at__freshness',
        'qt_events__login_created_at__freshness',
        'qt_pets__cat_name__not_null',
        'qt_pets__name__not_null',
        'qt_pets__owner_id__relationships',
        'qt_pets__pet_id__unique',
        'qt_pets__profiles__row_count_match',
        'qt_pets__species__accepted_values',
        'qt_pets__weight_age__no_negative',
        'qt_pets__weight_kg__expression',
        'qt_visits__pet_id_visit_date__unique'
    ],
    'failing_tests should name the fail and error results of severity error, and no warn, pass or severity-warn result');
select is(
    warehouse.failing_tests((
        select array_agg(r) from kept cross join unnest(kept.results) as r where r.status in ('pass', 'warn') or r.severity = 'warn')),
    '{}'::text[],
    'failing_tests should return an empty array when nothing blocks');
select is(
    warehouse.record_quality_results((select results from kept)),
    (select cardinality(results) from kept),
    'record_quality_results should return the number of results inserted');
select results_eq(
    $$select test_name, model_name, kind, severity, status, failing_rows, sample_keys, message, checked_at
      from warehouse.quality_test_results where run_id = (select run_id from run) order by test_name$$,
    $$select r.test_name, r.model_name, r.kind, r.severity, r.status, r.failing_rows, r.sample_keys, r.message, r.checked_at
      from kept cross join unnest(kept.results) as r order by r.test_name$$,
    'record_quality_results should store every result as evaluated, under its run');
select is(
    (select count(distinct result_id)::integer from warehouse.quality_test_results where run_id = (select run_id from run)),
    (select cardinality(results) from kept),
    'each stored result should get its own result_id');

select * from finish();
rollback;
