-- Test: the date rules the incremental marts rely on. warehouse.pet_age_months_change_on is the very day a
-- pet's age in whole months turns (so marts_pets_dim_pets recomputes a pet that day, never later);
-- warehouse.lifecycle_stage_rule's days_until_change is no later than the first day the stage changes (so
-- marts_core_dim_users recomputes a user in time); the rules applied per row have no SET clause (so that
-- PostgreSQL inlines them); warehouse.as_of_date() is today unless the session sets warehouse.as_of_date.
begin;
select plan(11);

-- Pet ages: every birth day of three years, as of every fourth day of a year and a half.
select is_empty(
    $$with pairs as (
          select b::date as birth, t::date as as_of, warehouse.pet_age_months(b::date, t::date) as months
          from generate_series(date '2025-01-01', date '2027-12-31', interval '1 day') as b,
               generate_series(date '2026-01-01', date '2027-06-30', interval '4 days') as t
      ),
      next as (
          select p.*, warehouse.pet_age_months_change_on(p.birth, p.months) as change_on from pairs as p where p.months >= 0
      )
      select * from next as n
      where n.change_on <= n.as_of
         or warehouse.pet_age_months(n.birth, n.change_on - 1) <> n.months
         or warehouse.pet_age_months(n.birth, n.change_on) <> n.months + 1$$,
    'pet_age_months_change_on should be the first day after today on which the age in months is one more');
select is(warehouse.pet_age_months_change_on(date '2026-01-31', 0), date '2026-03-01',
    'a pet born on the 31st should turn one month old on the 1st of the month after a short month');
select is(warehouse.pet_age_months_change_on(date '2024-02-29', 11), date '2025-03-01',
    'a pet born on 29 February should turn one year old on 1 March of a year without one');
select is(warehouse.pet_age_months_change_on(null, 3), null::date, 'a pet without a birth date should never be due by its age');
select is(warehouse.pet_age_months_change_on(date '2030-01-01', -2), '-infinity'::date,
    'a pet born in the future (a negative age) should be due at once');

-- Lifecycle stages: for every pair of day counts, the stage stays the same until days_until_change.
select is_empty(
    $$with pairs as (
          select s, l from generate_series(0, 100) as s, lateral (select null::integer as l union all select g from generate_series(0, 100, 3) as g where g <= s) as x
      )
      select p.s, p.l, r.lifecycle_stage, r.days_until_change, k
      from pairs as p
      cross join lateral warehouse.lifecycle_stage_rule(p.s, p.l) as r
      cross join lateral generate_series(1, coalesce(r.days_until_change, 80) - 1) as k
      where (select q.lifecycle_stage from warehouse.lifecycle_stage_rule(p.s + k, p.l + k) as q) is distinct from r.lifecycle_stage$$,
    'the lifecycle stage should not change before days_until_change days');
select is_empty(
    $$select s, l from generate_series(0, 100) as s, generate_series(0, 100) as l, lateral warehouse.lifecycle_stage_rule(s, l) as r
      where r.days_until_change <= 0$$,
    'days_until_change should be at least one day');
select results_eq(
    $$select r.lifecycle_stage::text, r.days_until_change from (values (5, null), (20, 3), (100, 45), (100, 90)) as v (s, l)
      cross join lateral warehouse.lifecycle_stage_rule(v.s, v.l) as r$$,
    $$values ('new', 9), ('active', 27), ('at_risk', 15), ('churned', null::integer)$$,
    'the rule should give the stage and the days until a bound turns (none left for a churned user)');

-- Inlining: no SET clause on the rules applied per row, nor on the hashing helpers.
select is_empty(
    $$select p.oid::regprocedure::text
      from pg_catalog.pg_proc as p
      where p.oid in ('warehouse.as_of_date()'::regprocedure, 'warehouse.pet_age_months(date, date)'::regprocedure,
                      'warehouse.pet_age_months_change_on(date, integer)'::regprocedure,
                      'warehouse.pet_life_stage_of(text, integer)'::regprocedure,
                      'warehouse.lifecycle_stage_rule(integer, integer)'::regprocedure,
                      'warehouse.salted_sha256(text, text)'::regprocedure, 'warehouse.normalise_email(text)'::regprocedure,
                      'warehouse.mask_email(text)'::regprocedure, 'warehouse.jsonb_has_pii(jsonb)'::regprocedure,
                      'marts.marts_pets_dim_pets__changes_on(date, integer, varchar, date)'::regprocedure)
        and (p.proconfig is not null or p.prosecdef)$$,
    'the rules applied per row should have no SET clause and not be security definer (PostgreSQL inlines them)');

-- The date of a run.
select is(warehouse.as_of_date(), current_date, 'the marts should be as of today by default');
set local warehouse.as_of_date = '2031-05-06';
select is(warehouse.as_of_date(), date '2031-05-06', 'a session should be able to compute the marts as of a later day');

select * from finish();
rollback;
