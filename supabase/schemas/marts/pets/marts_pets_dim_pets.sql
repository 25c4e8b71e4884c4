-- Model marts_pets_dim_pets. Grain: one row per pet (hard-deleted pets removed; soft-deleted ones keep deleted_at).
-- Materialized per pet (recompute_keys on pet_id). Age, life stage and the statuses are as of the run
-- (warehouse.as_of_date()), and health_status reads marts_pets_attention_needed (so this model runs after
-- that one): besides the pets the batches touched, the pets whose values the date or that mart moved are
-- touched and recomputed, found without reading the whole dimension:
--   - age (so life stage) and vaccination status change on a day known from the row itself: the next
--     month birthday (warehouse.pet_age_months_change_on) and the day after next_vaccine_due_on while up to
--     date. marts.marts_pets_dim_pets__changes_on gives the earlier of the two, an index holds it, and the
--     touched function reads the pets due on or before today;
--   - health_status follows marts_pets_attention_needed: only the pets flagged in either (listed there by
--     this run, or needs_attention here) are compared.
-- The pets the batches touched are recomputed from staging; the others keep their row's inputs (the
-- batches changed none) and only the date-driven columns are recomputed: no staging read per pet.
-- A change to warehouse.pet_life_stage_definitions reaches every pet at the next full refresh.

create table marts.marts_pets_dim_pets (
    pet_id uuid primary key,
    owner_user_id uuid not null,
    species varchar(20),
    breed varchar(100),
    sex varchar(10),
    is_neutered boolean,
    birth_date date,
    age_months integer,
    age_years integer,
    life_stage varchar(20),
    vaccination_status varchar(20),
    health_status varchar(20),
    vaccine_doses integer not null default 0,
    next_vaccine_due_on date,
    last_vet_visit_on date,
    latest_weight_kg numeric(6,2),
    latest_weighed_on date,
    created_at timestamptz,
    deleted_at timestamptz,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_dim_pets_owner on marts.marts_pets_dim_pets (owner_user_id);
create index idx_marts_dim_pets_species on marts.marts_pets_dim_pets (species, life_stage);
-- The pets whose vaccination status moves with the date: what marts_pets_vaccination_compliance recomputes.
create index idx_marts_dim_pets_next_vaccine_due on marts.marts_pets_dim_pets (next_vaccine_due_on);
-- What analysts count per species (row-level security adds "not analytics_opt_out").
create index idx_marts_dim_pets_visible_species on marts.marts_pets_dim_pets (species, vaccination_status)
    where deleted_at is null and not analytics_opt_out;

create function marts.marts_pets_dim_pets__changes_on(
    p_birth_date date,
    p_age_months integer,
    p_vaccination_status varchar(20),
    p_next_vaccine_due_on date
)
returns date
language sql
immutable
parallel safe
as $$
    select least(
        warehouse.pet_age_months_change_on(p_birth_date, p_age_months),
        case when p_vaccination_status operator(pg_catalog.=) 'up_to_date'
             then p_next_vaccine_due_on operator(pg_catalog.+) 1 end)
$$;

comment on function marts.marts_pets_dim_pets__changes_on(date, integer, varchar, date) is
    'Model marts_pets_dim_pets: the first day on which a row''s date-driven values change: its age in months (and so its '
    'life stage) on the next month birthday, its vaccination status (and so its health status) the day after '
    'next_vaccine_due_on while up to date; NULL: never by the date alone. Immutable: idx_marts_dim_pets_changes_on holds it.';

-- the pets whose values the date moves: the touched function reads those due on or before today
create index idx_marts_dim_pets_changes_on on marts.marts_pets_dim_pets
    (marts.marts_pets_dim_pets__changes_on(birth_date, age_months, vaccination_status, next_vaccine_due_on));
-- the pets flagged as needing attention, compared with marts_pets_attention_needed
create index idx_marts_dim_pets_needs_attention on marts.marts_pets_dim_pets (pet_id) where health_status = 'needs_attention';

comment on table marts.marts_pets_dim_pets is
    'Dimension: pets. Grain: one row per pet (hard-deleted pets removed; soft-deleted ones keep deleted_at). '
    'Use: pet demographics, health insights, vaccination compliance. Age, life stage and statuses are as of the last run.';
comment on column marts.marts_pets_dim_pets.pet_id is 'The pet.';
comment on column marts.marts_pets_dim_pets.owner_user_id is 'The pet''s owner (marts_core_dim_users.user_id).';
comment on column marts.marts_pets_dim_pets.species is 'dog, cat, rabbit, bird or other.';
comment on column marts.marts_pets_dim_pets.breed is 'Breed as the owner entered it.';
comment on column marts.marts_pets_dim_pets.sex is 'male, female or unknown.';
comment on column marts.marts_pets_dim_pets.is_neutered is 'Whether the pet is spayed or neutered.';
comment on column marts.marts_pets_dim_pets.birth_date is 'Birth date.';
comment on column marts.marts_pets_dim_pets.age_months is 'Age in whole months today.';
comment on column marts.marts_pets_dim_pets.age_years is 'Age in whole years today.';
comment on column marts.marts_pets_dim_pets.life_stage is
    'puppy, kitten, juvenile, adult, senior or unknown today (warehouse.pet_life_stage_definitions).';
comment on column marts.marts_pets_dim_pets.vaccination_status is
    'no_record (no vaccine dose on record), overdue (the latest dose of some vaccine has next_due_on before today) or up_to_date.';
comment on column marts.marts_pets_dim_pets.health_status is
    'vaccine_overdue (vaccination_status overdue), needs_attention (a row in marts_pets_attention_needed) or up_to_date.';
comment on column marts.marts_pets_dim_pets.vaccine_doses is 'Vaccine doses on record.';
comment on column marts.marts_pets_dim_pets.next_vaccine_due_on is 'Earliest next_due_on among the latest dose of each vaccine; NULL: none due.';
comment on column marts.marts_pets_dim_pets.last_vet_visit_on is 'Day of the latest vet visit on record.';
comment on column marts.marts_pets_dim_pets.latest_weight_kg is 'Weight at the latest weigh-in, in kilograms.';
comment on column marts.marts_pets_dim_pets.latest_weighed_on is 'Day of the latest weigh-in.';
comment on column marts.marts_pets_dim_pets.created_at is 'When the pet was added to the app.';
comment on column marts.marts_pets_dim_pets.deleted_at is 'Soft-delete time of the pet profile; NULL while it exists.';
comment on column marts.marts_pets_dim_pets.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_dim_pets._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation. The pets the batches touched are recomputed from staging; the pets only the date or
-- marts_pets_attention_needed moved (__moved) keep their dimension row's inputs (the batches changed none
-- of them) and have the date-driven columns recomputed. One set of status rules serves both (see the
-- column comments).
create function marts.marts_pets_dim_pets__moved(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
begin atomic
    -- the pets whose age, life stage or vaccination status the date moved (through idx_marts_dim_pets_changes_on)
    select d.pet_id
    from marts.marts_pets_dim_pets as d
    where marts.marts_pets_dim_pets__changes_on(d.birth_date, d.age_months, d.vaccination_status, d.next_vaccine_due_on)
          <= warehouse.as_of_date()
    union
    -- listed in marts_pets_attention_needed, not flagged here (a pet overdue for a vaccine stays vaccine_overdue):
    -- such a pet was listed by this run, which wrote its rows (_dbt_loaded_at is the run's transaction time)
    select a.pet_id
    from marts.marts_pets_attention_needed as a
    join marts.marts_pets_dim_pets as d on d.pet_id = a.pet_id
    where a._dbt_loaded_at = now() and d.health_status = 'up_to_date'
    union
    -- flagged here, no longer listed there
    select d.pet_id
    from marts.marts_pets_dim_pets as d
    where d.health_status = 'needs_attention'
      and not exists (select 1 from marts.marts_pets_attention_needed as a where a.pet_id = d.pet_id);
end;

comment on function marts.marts_pets_dim_pets__moved(bigint, bigint) is
    'Model marts_pets_dim_pets: the pets (one row each) whose date-driven values moved: age, life stage or vaccination '
    'status changing on or before warehouse.as_of_date() (marts.marts_pets_dim_pets__changes_on, indexed), or a health '
    'status that no longer follows marts_pets_attention_needed (listed there by this run and up_to_date here, or '
    'needs_attention here and not listed). The batch range is the touched function''s; these pets do not depend on it.';

create function marts.marts_pets_dim_pets__touched(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
begin atomic
    select t.pet_id from marts.pets_touched(p_from_batch, p_to_batch) as t
    union
    select m.pet_id from marts.marts_pets_dim_pets__moved(p_from_batch, p_to_batch) as m;
end;

comment on function marts.marts_pets_dim_pets__touched(bigint, bigint) is
    'Model marts_pets_dim_pets: the pets (one row each) to recompute for batches (p_from_batch, p_to_batch]: those the '
    'batches touched (marts.pets_touched) and those whose date-driven values moved (marts.marts_pets_dim_pets__moved).';

create function marts.marts_pets_dim_pets__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_dim_pets
language sql
stable
begin atomic
    -- The materializer computes the rows before it deletes the old ones, so the functions read the dimension
    -- as it was, as the materializer's call of the touched function did. Each recomputed pet's events,
    -- weigh-ins and owner are read through their indexes (lateral and scalar subqueries: per pet, never a scan
    -- of all of staging, whatever the planner estimates the pets' number to be).
    with recomputed as (
        select t.pet_id from marts.pets_touched(p_from_batch, p_to_batch) as t
    ),
    moved as (
        select m.pet_id from marts.marts_pets_dim_pets__moved(p_from_batch, p_to_batch) as m
        except
        select r.pet_id from recomputed as r
    ),
    -- what the rules read, from staging for the pets the batches touched ...
    inputs as (
        select
            p.pet_id, p.owner_user_id, p.species, p.breed, p.sex, p.is_neutered, p.birth_date,
            s.vaccine_doses, v.next_vaccine_due_on, s.last_vet_visit_on,
            w.weight_kg as latest_weight_kg, w.weighed_on as latest_weighed_on,
            p.created_at, p.deleted_at,
            coalesce((select u.analytics_opt_out from staging.stg_supabase_users as u where u.user_id = p.owner_user_id), false)
                as analytics_opt_out
        from recomputed as r
        cross join lateral (
            select x.* from staging.stg_supabase_pets as x where x.pet_id = r.pet_id and not x.is_hard_deleted limit 1
        ) as p
        -- vaccine doses and the latest vet visit
        cross join lateral (
            select count(*) filter (where e.event_type = 'vaccine')::integer as vaccine_doses,
                   max(e.occurred_on) filter (where e.event_type = 'vet_visit') as last_vet_visit_on
            from staging.stg_supabase_health_events as e
            where e.pet_id = p.pet_id and not e.is_hard_deleted
        ) as s
        -- the earliest next due date among the latest dose of each vaccine
        cross join lateral (
            select min(d.next_due_on) as next_vaccine_due_on
            from (
                select distinct on (e.vaccine_name) e.next_due_on
                from staging.stg_supabase_health_events as e
                where e.pet_id = p.pet_id and not e.is_hard_deleted and e.event_type = 'vaccine' and e.vaccine_name is not null
                order by e.vaccine_name, e.occurred_on desc, e.next_due_on desc nulls last, e.health_event_id
            ) as d
        ) as v
        -- the latest weigh-in
        left join lateral (
            select x.weight_kg, x.weighed_on
            from staging.stg_supabase_pet_weights as x
            where x.pet_id = p.pet_id and not x.is_hard_deleted
            order by x.weighed_on desc, x.weight_id
            limit 1
        ) as w on true
        union all
        -- ... and from the dimension row for the pets only the date or marts_pets_attention_needed moved
        select
            d.pet_id, d.owner_user_id, d.species, d.breed, d.sex, d.is_neutered, d.birth_date,
            d.vaccine_doses, d.next_vaccine_due_on, d.last_vet_visit_on, d.latest_weight_kg, d.latest_weighed_on,
            d.created_at, d.deleted_at, d.analytics_opt_out
        from moved as m
        join marts.marts_pets_dim_pets as d on d.pet_id = m.pet_id
    ),
    computed as (
        select
            i.*,
            warehouse.pet_age_months(i.birth_date, warehouse.as_of_date()) as age_months,
            case
                when i.vaccine_doses = 0 then 'no_record'
                when i.next_vaccine_due_on < warehouse.as_of_date() then 'overdue'
                else 'up_to_date'
            end as vaccination_status,
            exists (select 1 from marts.marts_pets_attention_needed as a where a.pet_id = i.pet_id) as needs_attention
        from inputs as i
    ),
    final as (
        select
            c.pet_id,
            c.owner_user_id,
            c.species,
            c.breed,
            c.sex,
            c.is_neutered,
            c.birth_date,
            c.age_months,
            c.age_months / 12 as age_years,
            ls.life_stage,
            c.vaccination_status,
            case
                when c.vaccination_status = 'overdue' then 'vaccine_overdue'
                when c.needs_attention then 'needs_attention'
                else 'up_to_date'
            end as health_status,
            c.vaccine_doses,
            c.next_vaccine_due_on,
            c.last_vet_visit_on,
            c.latest_weight_kg,
            c.latest_weighed_on,
            c.created_at,
            c.deleted_at,
            c.analytics_opt_out,
            now() as _dbt_loaded_at
        from computed as c
        -- the life stage rule, inlined: evaluated per pet without a function call
        cross join lateral warehouse.pet_life_stage_of(c.species, c.age_months) as ls
    )
    select * from final;
end;

comment on function marts.marts_pets_dim_pets__rows(bigint, bigint) is
    'Model marts_pets_dim_pets: the dimension rows of the pets of marts_pets_dim_pets__touched (batches p_from_batch, '
    'p_to_batch]) with the age, life stage and statuses as of warehouse.as_of_date() (today) and health status from '
    'marts_pets_attention_needed: computed from staging for the pets the batches touched, from the dimension row''s other '
    'columns for the pets only the date or that mart moved; hard-deleted pets have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_dim_pets', 'marts', 'marts', 'marts_pets_dim_pets', 'recompute_keys', '{pet_id}',
    'marts.marts_pets_dim_pets__rows', 'marts.marts_pets_dim_pets__touched', '{pet_id}', 'one row per pet');

insert into warehouse.model_state (model_name) values ('marts_pets_dim_pets');

select warehouse.enable_mart_rls('marts_pets_dim_pets');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('marts', 'marts_pets_dim_pets', 'owner_user_id = $1', 100);

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_dim_pets__pet_id__unique', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'unique', 'pet_id', 'pet_id', '{}', 'error',
        'One row per pet.'),
    ('marts_pets_dim_pets__pet_id__not_null', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'not_null', 'pet_id', null, '{}', 'error',
        'Every row has a pet.'),
    ('marts_pets_dim_pets__owner_user_id__relationships', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'relationships', 'owner_user_id',
        'pet_id', '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'warn',
        'Every pet''s owner is a user of the dimension (warn: an owner deleted from the app may leave pets behind for a run).'),
    ('marts_pets_dim_pets__species__accepted_values', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'accepted_values', 'species', 'pet_id',
        '{"values": ["dog", "cat", "rabbit", "bird", "other"]}', 'error', 'Species are the five the app offers.'),
    ('marts_pets_dim_pets__life_stage__accepted_values', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'accepted_values', 'life_stage',
        'pet_id', '{"values": ["puppy", "kitten", "juvenile", "adult", "senior", "unknown"]}', 'error', 'Life stages are the defined ones.'),
    ('marts_pets_dim_pets__health_status__accepted_values', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'accepted_values',
        'health_status', 'pet_id', '{"values": ["up_to_date", "vaccine_overdue", "needs_attention"]}', 'error', 'Health statuses are the defined ones.'),
    ('marts_pets_dim_pets__health_status__not_null', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'not_null', 'health_status', 'pet_id',
        '{}', 'error', 'Every pet has a health status.');
