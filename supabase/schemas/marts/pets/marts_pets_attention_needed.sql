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
-- Every other pet's rows are the same as at the last run.

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

-- The transformation.
create function marts.marts_pets_attention_needed__touched(p_from_batch bigint, p_to_batch bigint)
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
    )
    -- the pets the batches touched: on the first run (batches from 0), every pet
    select t.pet_id
    from marts.pets_touched(p_from_batch, p_to_batch) as t
    union
    -- the date moved since the last run: the pets listed with a row dated before today
    select a.pet_id
    from marts.marts_pets_attention_needed as a
    where (select r.previous_date < r.today from run as r)
      and a.due_on < (select r.today from run as r)
    union
    -- ... the pets with a vaccine dose whose next due date entered the window since the last run
    select e.pet_id
    from staging.stg_supabase_health_events as e
    where (select r.previous_date < r.today from run as r)
      and e.next_due_on > (select r.previous_date + r.due_window from run as r)
      and e.next_due_on <= (select r.today + r.due_window from run as r)
      and e.event_type = 'vaccine' and e.pet_id is not null
    union
    -- ... the pets with a medication dose that fell due since the last run
    select e.pet_id
    from staging.stg_supabase_health_events as e
    where (select r.previous_date < r.today from run as r)
      and e.next_due_on >= (select r.previous_date from run as r)
      and e.next_due_on < (select r.today from run as r)
      and e.event_type = 'medication' and e.pet_id is not null
    union
    -- ... the pets whose life stage changed since the last run (one that stops growing comes under the
    -- abnormal weight rule): those reaching a stage bound's age in months. The birth date range, a superset
    -- of them, is cheap to test on every pet (and would use an index on staging's birth_date); the exact
    -- ages are computed for the pets within it only.
    select p.pet_id
    from (
        select d.species, b.age_months
        from warehouse.pet_life_stage_definitions as d
        cross join lateral (values (d.min_age_months), (d.max_age_months + 1)) as b (age_months)
        where b.age_months is not null
    ) as bound
    join staging.stg_supabase_pets as p on p.species = bound.species
    where (select r.previous_date < r.today from run as r)
      and p.birth_date > (select r.previous_date from run as r) - make_interval(months => bound.age_months, days => 4)
      and p.birth_date <= (select r.today from run as r) - make_interval(months => bound.age_months, days => -31)
      and warehouse.pet_age_months(p.birth_date, (select r.previous_date from run as r)) < bound.age_months
      and warehouse.pet_age_months(p.birth_date, (select r.today from run as r)) >= bound.age_months;
end;

comment on function marts.marts_pets_attention_needed__touched(bigint, bigint) is
    'Model marts_pets_attention_needed: the pets (one row each) to recompute for batches (p_from_batch, p_to_batch]: '
    'those the batches touched (marts.pets_touched; on the first run, from batch 0, every pet); and when the date moved since the last '
    'run (warehouse.model_state.refreshed_at) the pets whose rows the days in between changed: listed with a row dated '
    'before today, a vaccine dose whose due date entered the window or a medication dose that fell due since, a pet '
    'whose life stage changed since (one that stops growing comes under the abnormal weight rule).';

create function marts.marts_pets_attention_needed__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_attention_needed
language sql
stable
begin atomic
    -- Each pet's row, owner, doses and weigh-ins are read through their indexes (lateral subqueries: per
    -- pet, never a scan of all of staging, whatever the planner estimates the touched pets' number to be).
    with rules as (
        select
            warehouse.metric('pet_vaccine_due_window_days')::integer as due_window,
            warehouse.metric('pet_medication_gap_lookback_days')::integer as gap_lookback,
            warehouse.metric('pet_weight_change_pct') as weight_pct,
            warehouse.metric('pet_weight_change_window_days')::integer as weight_window
    ),
    touched as (
        select t.pet_id from marts.marts_pets_attention_needed__touched(p_from_batch, p_to_batch) as t
    ),
    pets as (
        select p.pet_id, p.owner_user_id, p.species, warehouse.pet_age_months(p.birth_date, warehouse.as_of_date()) as age_months,
               coalesce(u.analytics_opt_out, false) as analytics_opt_out
        from touched as t
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
    -- the latest dose of each vaccine and medication
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
    ),
    -- the latest weigh-in, when within the window of today, and the previous one (the latest of an earlier
    -- day) within the window of it
    weight_changes as (
        select p.pet_id, l.weighed_on as latest_weighed_on, l.weight_kg as latest_weight_kg, v.weight_kg as previous_weight_kg,
               p.owner_user_id, p.species, p.age_months, p.analytics_opt_out
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
        where l.weighed_on >= warehouse.as_of_date() - k.weight_window
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
        where d.event_type = 'medication' and d.next_due_on < warehouse.as_of_date() and d.next_due_on >= warehouse.as_of_date() - k.gap_lookback
        union all
        select c.pet_id, 'abnormal_weight_change', 'weight', c.owner_user_id, c.species, c.latest_weighed_on, 0,
               round((c.latest_weight_kg - c.previous_weight_kg) / c.previous_weight_kg * 100, 1), c.analytics_opt_out
        from weight_changes as c
        cross join rules as k
        -- the life stage rule, inlined: evaluated per pet without a function call
        cross join lateral warehouse.pet_life_stage_of(c.species, c.age_months) as ls
        where c.previous_weight_kg > 0
          and abs(c.latest_weight_kg - c.previous_weight_kg) / c.previous_weight_kg * 100 > k.weight_pct
          and not ls.is_growing
    ),
    final as (
        select r.pet_id, r.reason, r.subject, r.owner_user_id, r.species, r.due_on, r.days_overdue, r.weight_change_pct,
               r.analytics_opt_out, now() as _dbt_loaded_at
        from reasons as r
    )
    select * from final;
end;

comment on function marts.marts_pets_attention_needed__rows(bigint, bigint) is
    'Model marts_pets_attention_needed: what needs attention today for the pets of marts_pets_attention_needed__touched '
    '(batches p_from_batch, p_to_batch], computed from staging: vaccines due or overdue, medication gaps and abnormal weight '
    'changes (rules in warehouse.metric_definitions and pet_life_stage_definitions); deleted pets and owners have none.';

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
