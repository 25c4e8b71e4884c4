-- Model marts_pets_attention_needed. Grain: one row per pet per reason per subject needing attention today.
-- Materialized per pet (recompute_keys on pet_id). What needs attention moves with the date as well as
-- with the data. Besides the pets the batches touched (on the first run, from batch 0, every pet), a run
-- on a later day (warehouse.as_of_date()) than the last one (warehouse.model_state.refreshed_at)
-- recomputes the pets whose rows the days in between can have changed, and no other:
--   - the pets listed with a row dated before today: days overdue grow, a vaccine due becomes overdue, a
--     medication gap or a weigh-in leaves its window;
--   - the pets with a vaccine dose whose next due date entered the due window since the last run, or a
--     medication dose that fell due since then (staging's index on next_due_on);
--   - the pets whose life stage changed since then (warehouse.pet_life_stage_definitions): one that stops
--     growing comes under the abnormal weight rule.
-- Every other pet's rows are the same as at the last run. The pets of the first kind that the batches did
-- not touch and the date cannot have listed anew (__moved, not __recomputed) need no staging: their doses
-- and weigh-in are those their rows list, and the rules are applied to them as of today.

create table marts.marts_pets_attention_needed (
    pet_id uuid not null,
    reason varchar(30) not null,
    subject varchar(100) not null,
    owner_user_id uuid not null,
    species varchar(20),
    due_on date,
    days_overdue integer not null default 0,
    weight_change_pct numeric(8,1),
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (pet_id, reason, subject)
);

create index idx_marts_pets_attention_reason on marts.marts_pets_attention_needed (reason);
-- the rows a run wrote: marts_pets_dim_pets compares those pets' health status
create index idx_marts_pets_attention_loaded_at on marts.marts_pets_attention_needed (_dbt_loaded_at);

comment on table marts.marts_pets_attention_needed is
    'Proactive care: what needs attention now. Grain: one row per pet per reason per subject (vaccine, medication or weight). '
    'Reasons: vaccine_due (latest dose says the next is due within pet_vaccine_due_window_days), vaccine_overdue (due date '
    'passed), medication_gap (a medication dose due in the last pet_medication_gap_lookback_days days was not given), '
    'abnormal_weight_change (latest weigh-in within pet_weight_change_window_days of today differs by more than '
    'pet_weight_change_pct from the previous one within that window; not for growing pets). Pets or owners deleted are left out.';
comment on column marts.marts_pets_attention_needed.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_attention_needed.reason is 'vaccine_due, vaccine_overdue, medication_gap or abnormal_weight_change.';
comment on column marts.marts_pets_attention_needed.subject is 'The vaccine or medication concerned, or weight.';
comment on column marts.marts_pets_attention_needed.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_attention_needed.species is 'The pet''s species.';
comment on column marts.marts_pets_attention_needed.due_on is 'When the dose was due, or the day of the abnormal weigh-in.';
comment on column marts.marts_pets_attention_needed.days_overdue is 'Days past due_on today (0 when not yet due, and for weight).';
comment on column marts.marts_pets_attention_needed.weight_change_pct is 'For abnormal_weight_change: the change in percent.';
comment on column marts.marts_pets_attention_needed.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_attention_needed._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation. The pets of __recomputed (the batches touched them, or the days since the last run
-- can have listed them anew) are recomputed from staging; the pets of __moved (listed with a row the days
-- moved, and nothing else) keep their rows' doses and weigh-in (the batches changed none of them) and have
-- the rules applied as of today. One set of rules serves both.
create function marts.marts_pets_attention_needed__recomputed(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
begin atomic
    with run as (
        select
            (select (s.refreshed_at at time zone 'UTC')::date
             from warehouse.model_state as s
             where s.model_name = 'marts_pets_attention_needed') as previous_date,
            warehouse.as_of_date() as today,
            warehouse.metric('pet_vaccine_due_window_days')::integer as due_window
        offset 0
    ),
    -- the birth dates of the pets reaching a life stage bound (in months) since the last run: a superset
    -- (a few days wider), cheap to test on every pet; the exact ages are tested on the pets within
    stage_bounds as (
        select d.species, b.age_months, r.previous_date, r.today,
               (r.previous_date - make_interval(months => b.age_months, days => 4))::date as born_after,
               (r.today - make_interval(months => b.age_months, days => -31))::date as born_by
        from run as r
        cross join warehouse.pet_life_stage_definitions as d
        cross join lateral (values (d.min_age_months), (d.max_age_months + 1)) as b (age_months)
        where r.previous_date < r.today and b.age_months is not null
    )
    -- the pets the batches touched: on the first run (batches from 0), every pet
    select t.pet_id
    from marts.pets_touched(p_from_batch, p_to_batch) as t
    union
    -- the date moved since the last run: the pets with a vaccine dose whose next due date entered the window
    select e.pet_id
    from staging.stg_supabase_health_events as e
    where (select r.previous_date < r.today from run as r)
      and e.next_due_on > (select r.previous_date + r.due_window from run as r)
      and e.next_due_on <= (select r.today + r.due_window from run as r)
      and e.event_type = 'vaccine' and e.pet_id is not null
    union
    -- ... with a medication dose that fell due
    select e.pet_id
    from staging.stg_supabase_health_events as e
    where (select r.previous_date < r.today from run as r)
      and e.next_due_on >= (select r.previous_date from run as r)
      and e.next_due_on < (select r.today from run as r)
      and e.event_type = 'medication' and e.pet_id is not null
    union
    -- ... whose life stage changed (one that stops growing comes under the abnormal weight rule)
    select p.pet_id
    from stage_bounds as b
    join staging.stg_supabase_pets as p
        on p.species = b.species and p.birth_date > b.born_after and p.birth_date <= b.born_by
    where warehouse.pet_age_months(p.birth_date, b.previous_date) < b.age_months
      and warehouse.pet_age_months(p.birth_date, b.today) >= b.age_months;
end;

comment on function marts.marts_pets_attention_needed__recomputed(bigint, bigint) is
    'Model marts_pets_attention_needed: the pets (one row each) to recompute from staging for batches (p_from_batch, '
    'p_to_batch]: those the batches touched (marts.pets_touched; on the first run, from batch 0, every pet), and when the '
    'date moved since the last run (warehouse.model_state.refreshed_at) those it can have listed anew: a vaccine dose '
    'whose next due date entered the window, a medication dose that fell due, a life stage that changed.';

create function marts.marts_pets_attention_needed__moved(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
begin atomic
    -- the date moved since the last run: the pets listed with a row dated before today (days overdue grow, a
    -- vaccine due becomes overdue, a medication gap or a weigh-in leaves its window)
    select distinct a.pet_id
    from marts.marts_pets_attention_needed as a
    where (select (s.refreshed_at at time zone 'UTC')::date < warehouse.as_of_date()
           from warehouse.model_state as s
           where s.model_name = 'marts_pets_attention_needed')
      and a.due_on < warehouse.as_of_date();
end;

comment on function marts.marts_pets_attention_needed__moved(bigint, bigint) is
    'Model marts_pets_attention_needed: the pets (one row each) listed with a row the date moved since the last run '
    '(dated before warehouse.as_of_date()): their days overdue grow, a vaccine due becomes overdue, a medication gap or '
    'a weigh-in leaves its window. The batch range is the touched function''s; these pets do not depend on it.';

create function marts.marts_pets_attention_needed__touched(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
begin atomic
    select r.pet_id from marts.marts_pets_attention_needed__recomputed(p_from_batch, p_to_batch) as r
    union
    select m.pet_id from marts.marts_pets_attention_needed__moved(p_from_batch, p_to_batch) as m;
end;

comment on function marts.marts_pets_attention_needed__touched(bigint, bigint) is
    'Model marts_pets_attention_needed: the pets (one row each) to recompute for batches (p_from_batch, p_to_batch]: '
    'those of marts_pets_attention_needed__recomputed and of marts_pets_attention_needed__moved.';

create function marts.marts_pets_attention_needed__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_attention_needed
language sql
stable
begin atomic
    -- Each recomputed pet's row, owner, doses and weigh-ins are read through their indexes (lateral subqueries:
    -- per pet, never a scan of all of staging, whatever the planner estimates the pets' number to be). The
    -- materializer computes the rows before it deletes the old ones: the moved pets' rows are still there.
    with rules as (
        select
            warehouse.metric('pet_vaccine_due_window_days')::integer as due_window,
            warehouse.metric('pet_medication_gap_lookback_days')::integer as gap_lookback,
            warehouse.metric('pet_weight_change_pct') as weight_pct,
            warehouse.metric('pet_weight_change_window_days')::integer as weight_window
    ),
    recomputed as (
        select r.pet_id from marts.marts_pets_attention_needed__recomputed(p_from_batch, p_to_batch) as r
    ),
    moved as (
        select m.pet_id from marts.marts_pets_attention_needed__moved(p_from_batch, p_to_batch) as m
        except
        select r.pet_id from recomputed as r
    ),
    -- the moved pets' rows as listed at the last run
    listed as (
        select a.*
        from moved as m
        join marts.marts_pets_attention_needed as a on a.pet_id = m.pet_id
    ),
    pets as (
        select p.pet_id, p.owner_user_id, p.species, warehouse.pet_age_months(p.birth_date, warehouse.as_of_date()) as age_months,
               coalesce(u.analytics_opt_out, false) as analytics_opt_out
        from recomputed as t
        cross join lateral (
            select s.pet_id, s.owner_user_id, s.species, s.birth_date
            from staging.stg_supabase_pets as s
            where s.pet_id = t.pet_id and not s.is_hard_deleted and s.deleted_at is null
            limit 1
        ) as p
        left join lateral (
            select o.analytics_opt_out, o.deleted_at, o.is_hard_deleted
            from staging.stg_supabase_users as o
            where o.user_id = p.owner_user_id
            limit 1
        ) as u on true
        where u.deleted_at is null and not coalesce(u.is_hard_deleted, false)
    ),
    -- the latest dose of each vaccine and medication: from staging for the recomputed pets, the doses listed
    -- for the moved ones
    latest_doses as (
        select p.pet_id, d.event_type, d.subject, d.next_due_on, p.owner_user_id, p.species, p.analytics_opt_out
        from pets as p
        cross join lateral (
            select distinct on (e.event_type, coalesce(e.vaccine_name, e.medication_name))
                e.event_type, coalesce(e.vaccine_name, e.medication_name) as subject, e.next_due_on
            from staging.stg_supabase_health_events as e
            where e.pet_id = p.pet_id and not e.is_hard_deleted and e.event_type in ('vaccine', 'medication')
              and coalesce(e.vaccine_name, e.medication_name) is not null
            order by e.event_type, coalesce(e.vaccine_name, e.medication_name), e.occurred_on desc,
                     e.next_due_on desc nulls last, e.health_event_id
        ) as d
        union all
        select l.pet_id, case when l.reason = 'medication_gap' then 'medication' else 'vaccine' end, l.subject, l.due_on,
               l.owner_user_id, l.species, l.analytics_opt_out
        from listed as l
        where l.reason <> 'abnormal_weight_change'
    ),
    -- the latest weigh-in and its change from the previous one (the latest of an earlier day) within the
    -- window of it, for the recomputed pets; the weigh-in listed for the moved ones (abnormal, and the pet
    -- not growing: its life stage did not change)
    weight_changes as (
        select p.pet_id, l.weighed_on as latest_weighed_on,
               case when v.weight_kg > 0 then round((l.weight_kg - v.weight_kg) / v.weight_kg * 100, 1) end as weight_change_pct,
               case when v.weight_kg > 0 then abs(l.weight_kg - v.weight_kg) / v.weight_kg * 100 > k.weight_pct else false end
                   and not ls.is_growing as is_abnormal,
               p.owner_user_id, p.species, p.analytics_opt_out
        from pets as p
        cross join rules as k
        cross join lateral (
            select w.weighed_on, w.weight_kg
            from staging.stg_supabase_pet_weights as w
            where w.pet_id = p.pet_id and not w.is_hard_deleted
            order by w.weighed_on desc, w.weight_id
            limit 1
        ) as l
        cross join lateral (
            select w.weight_kg
            from staging.stg_supabase_pet_weights as w
            where w.pet_id = p.pet_id and not w.is_hard_deleted
              and w.weighed_on < l.weighed_on and w.weighed_on >= l.weighed_on - k.weight_window
            order by w.weighed_on desc, w.weight_id
            limit 1
        ) as v
        -- the life stage rule, inlined: evaluated per pet without a function call
        cross join lateral warehouse.pet_life_stage_of(p.species, p.age_months) as ls
        where l.weighed_on >= warehouse.as_of_date() - k.weight_window
        union all
        select l.pet_id, l.due_on, l.weight_change_pct, true, l.owner_user_id, l.species, l.analytics_opt_out
        from listed as l
        where l.reason = 'abnormal_weight_change'
    ),
    reasons as (
        select d.pet_id, case when d.next_due_on < warehouse.as_of_date() then 'vaccine_overdue' else 'vaccine_due' end as reason,
               d.subject, d.owner_user_id, d.species, d.next_due_on as due_on,
               greatest(warehouse.as_of_date() - d.next_due_on, 0) as days_overdue, null::numeric as weight_change_pct,
               d.analytics_opt_out
        from latest_doses as d
        cross join rules as k
        where d.event_type = 'vaccine' and d.next_due_on <= warehouse.as_of_date() + k.due_window
        union all
        select d.pet_id, 'medication_gap', d.subject, d.owner_user_id, d.species, d.next_due_on,
               warehouse.as_of_date() - d.next_due_on, null, d.analytics_opt_out
        from latest_doses as d
        cross join rules as k
        where d.event_type = 'medication' and d.next_due_on < warehouse.as_of_date()
          and d.next_due_on >= warehouse.as_of_date() - k.gap_lookback
        union all
        select c.pet_id, 'abnormal_weight_change', 'weight', c.owner_user_id, c.species, c.latest_weighed_on, 0,
               c.weight_change_pct, c.analytics_opt_out
        from weight_changes as c
        cross join rules as k
        where c.is_abnormal and c.latest_weighed_on >= warehouse.as_of_date() - k.weight_window
    ),
    final as (
        select r.pet_id, r.reason, r.subject, r.owner_user_id, r.species, r.due_on, r.days_overdue, r.weight_change_pct,
               r.analytics_opt_out, now() as _dbt_loaded_at
        from reasons as r
    )
    select * from final;
end;

comment on function marts.marts_pets_attention_needed__rows(bigint, bigint) is
    'Model marts_pets_attention_needed: what needs attention as of warehouse.as_of_date() (today) for the pets of '
    'marts_pets_attention_needed__touched (batches p_from_batch, p_to_batch]: vaccines due or overdue, medication gaps and '
    'abnormal weight changes (rules in warehouse.metric_definitions and pet_life_stage_definitions), from staging for the '
    'recomputed pets and from their listed doses and weigh-in for the pets only the date moved; deleted pets and owners '
    'have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_attention_needed', 'marts', 'marts', 'marts_pets_attention_needed', 'recompute_keys', '{pet_id,reason,subject}',
    'marts.marts_pets_attention_needed__rows', 'marts.marts_pets_attention_needed__touched', '{pet_id}',
    'one row per pet per reason per subject needing attention today');

insert into warehouse.model_state (model_name) values ('marts_pets_attention_needed');

select warehouse.enable_mart_rls('marts_pets_attention_needed');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('marts', 'marts_pets_attention_needed', 'owner_user_id = $1', 100);

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_attention_needed__pk__unique', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed', 'unique', null, null,
        '{"columns": ["pet_id", "reason", "subject"]}', 'error', 'One row per pet per reason per subject.'),
    ('marts_pets_attention_needed__pet_id__not_null', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed', 'not_null', 'pet_id',
        null, '{}', 'error', 'Every row has a pet.'),
    ('marts_pets_attention_needed__reason__accepted_values', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed',
        'accepted_values', 'reason', 'pet_id', '{"values": ["vaccine_due", "vaccine_overdue", "medication_gap", "abnormal_weight_change"]}', 'error',
        'Attention reasons are the defined ones.'),
    ('marts_pets_attention_needed__pet_id__relationships', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed', 'relationships',
        'pet_id', 'pet_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every pet needing attention is a pet of the dimension.');
