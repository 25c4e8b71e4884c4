-- Model marts_pets_dim_pets. Grain: one row per pet (hard-deleted pets removed; soft-deleted ones keep deleted_at).
-- Materialized per pet (recompute_keys on pet_id). Age, life stage and the statuses are as of the run,
-- and health_status reads marts_pets_attention_needed (so this model runs after that one): besides the
-- pets the batches touched, every pet whose age, life stage, vaccination or health status in the
-- dimension is no longer today's is touched and recomputed (the old refresh function updated those
-- columns in place).
--
-- Those pets are found by reading this dimension; the materializer deletes the touched pets' rows
-- before the rows function runs, and the rows function's own call of the touched function no longer
-- finds them. So the rows function recomputes the touched pets and every staging pet missing from the
-- dimension: after the delete, the same pets (the dimension holds every other pet of staging).

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

-- The transformation. Both functions apply the same status rules (see the column comments).
create function marts.marts_pets_dim_pets__touched(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
begin atomic
    with attention as (
        select distinct a.pet_id from marts.marts_pets_attention_needed as a
    ),
    today as (
        select
            d.pet_id, d.species, d.age_months, d.life_stage, d.vaccination_status, d.health_status,
            warehouse.pet_age_months(d.birth_date, current_date) as age_months_today,
            case
                when d.vaccine_doses = 0 then 'no_record'
                when d.next_vaccine_due_on < current_date then 'overdue'
                else 'up_to_date'
            end as vaccination_status_today,
            a.pet_id is not null as needs_attention
        from marts.marts_pets_dim_pets as d
        left join attention as a on a.pet_id = d.pet_id
    )
    -- the pets the batches touched
    select t.pet_id
    from marts.pets_touched(p_from_batch, p_to_batch) as t
    union
    -- the pets whose values moved with the date or with marts_pets_attention_needed
    select s.pet_id
    from today as s
    where (s.age_months, s.life_stage, s.vaccination_status, s.health_status) is distinct from (
        s.age_months_today,
        warehouse.pet_life_stage(s.species, s.age_months_today),
        s.vaccination_status_today,
        case
            when s.vaccination_status_today = 'overdue' then 'vaccine_overdue'
            when s.needs_attention then 'needs_attention'
            else 'up_to_date'
        end);
end;

comment on function marts.marts_pets_dim_pets__touched(bigint, bigint) is
    'Model marts_pets_dim_pets: the pets (one row each) to recompute for batches (p_from_batch, p_to_batch]: those the '
    'batches touched (marts.pets_touched), and those whose age, life stage, vaccination or health status in the dimension '
    'is no longer today''s (the date moved, or marts_pets_attention_needed changed).';

create function marts.marts_pets_dim_pets__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_dim_pets
language sql
stable
begin atomic
    -- the touched pets, and every staging pet missing from the dimension (after the materializer's
    -- delete: also the touched pets that the touched function, reading the dimension, no longer finds)
    with touched as (
        select t.pet_id from marts.marts_pets_dim_pets__touched(p_from_batch, p_to_batch) as t
        union
        select p.pet_id
        from staging.stg_supabase_pets as p
        where not exists (select 1 from marts.marts_pets_dim_pets as d where d.pet_id = p.pet_id)
    ),
    pets as (
        select p.pet_id, p.owner_user_id, p.species, p.breed, p.sex, p.is_neutered, p.birth_date, p.created_at, p.deleted_at
        from staging.stg_supabase_pets as p
        join touched as t on t.pet_id = p.pet_id
        where not p.is_hard_deleted
    ),
    events as (
        select e.pet_id, e.event_type, e.vaccine_name, e.occurred_on, e.next_due_on, e.health_event_id
        from staging.stg_supabase_health_events as e
        join pets as p on p.pet_id = e.pet_id
        where not e.is_hard_deleted
    ),
    latest_vaccine_doses as (
        select distinct on (e.pet_id, e.vaccine_name) e.pet_id, e.next_due_on
        from events as e
        where e.event_type = 'vaccine' and e.vaccine_name is not null
        order by e.pet_id, e.vaccine_name, e.occurred_on desc, e.next_due_on desc nulls last, e.health_event_id
    ),
    vaccines as (
        select d.pet_id, min(d.next_due_on) as next_vaccine_due_on from latest_vaccine_doses as d group by d.pet_id
    ),
    event_summary as (
        select e.pet_id,
               count(*) filter (where e.event_type = 'vaccine')::integer as vaccine_doses,
               max(e.occurred_on) filter (where e.event_type = 'vet_visit') as last_vet_visit_on
        from events as e
        group by e.pet_id
    ),
    latest_weight as (
        select distinct on (w.pet_id) w.pet_id, w.weight_kg, w.weighed_on
        from staging.stg_supabase_pet_weights as w
        join pets as p on p.pet_id = w.pet_id
        where not w.is_hard_deleted
        order by w.pet_id, w.weighed_on desc, w.weight_id
    ),
    attention as (
        select distinct a.pet_id from marts.marts_pets_attention_needed as a
    ),
    computed as (
        select
            p.pet_id, p.owner_user_id, p.species, p.breed, p.sex, p.is_neutered, p.birth_date,
            warehouse.pet_age_months(p.birth_date, current_date) as age_months,
            case
                when coalesce(s.vaccine_doses, 0) = 0 then 'no_record'
                when v.next_vaccine_due_on < current_date then 'overdue'
                else 'up_to_date'
            end as vaccination_status,
            a.pet_id is not null as needs_attention,
            coalesce(s.vaccine_doses, 0) as vaccine_doses, v.next_vaccine_due_on, s.last_vet_visit_on,
            w.weight_kg as latest_weight_kg, w.weighed_on as latest_weighed_on,
            p.created_at, p.deleted_at, coalesce(u.analytics_opt_out, false) as analytics_opt_out
        from pets as p
        left join event_summary as s on s.pet_id = p.pet_id
        left join vaccines as v on v.pet_id = p.pet_id
        left join latest_weight as w on w.pet_id = p.pet_id
        left join attention as a on a.pet_id = p.pet_id
        left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
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
            warehouse.pet_life_stage(c.species, c.age_months) as life_stage,
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
    )
    select * from final;
end;

comment on function marts.marts_pets_dim_pets__rows(bigint, bigint) is
    'Model marts_pets_dim_pets: the dimension rows, computed from staging and marts_pets_attention_needed with today''s '
    'age, life stage and statuses, of the pets of marts_pets_dim_pets__touched (batches p_from_batch, p_to_batch] and of '
    'every staging pet missing from the dimension (after the materializer''s delete, the same pets); hard-deleted pets have none.';

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
