-- Mart tables
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

create function marts.refresh_marts_pets_dim_pets(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_removed bigint;
    v_upserted bigint;
    v_restaged bigint;
    v_result warehouse.refresh_result;
begin
    create temporary table if not exists pets_dim_touched (pet_id uuid primary key) on commit drop;
    truncate pg_temp.pets_dim_touched;
    insert into pg_temp.pets_dim_touched select t.pet_id from warehouse.pets_touched(p_from_batch, p_to_batch) as t;
    get diagnostics v_result.rows_in = row_count;
    analyze pg_temp.pets_dim_touched;

    delete from marts.marts_pets_dim_pets as m
    using pg_temp.pets_dim_touched as t
    where m.pet_id = t.pet_id
      and not exists (select 1 from staging.stg_supabase_pets as p where p.pet_id = t.pet_id and not p.is_hard_deleted);
    get diagnostics v_removed = row_count;

    -- The touched pets in an analysed temporary table (staging has no statistics yet in this transaction).
    create temporary table if not exists pets_dim_pets (like staging.stg_supabase_pets) on commit drop;
    truncate pg_temp.pets_dim_pets;
    insert into pg_temp.pets_dim_pets
    select p.*
    from staging.stg_supabase_pets as p
    join pg_temp.pets_dim_touched as t on t.pet_id = p.pet_id
    where not p.is_hard_deleted;
    analyze pg_temp.pets_dim_pets;

    insert into marts.marts_pets_dim_pets as m (
        pet_id, owner_user_id, species, breed, sex, is_neutered, birth_date, vaccine_doses, next_vaccine_due_on,
        last_vet_visit_on, latest_weight_kg, latest_weighed_on, created_at, deleted_at, analytics_opt_out, _dbt_loaded_at
    )
    with pets as (
        select * from pg_temp.pets_dim_pets
    ),
    events as (
        select e.*
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
    final as (
        select
            p.pet_id, p.owner_user_id, p.species, p.breed, p.sex, p.is_neutered, p.birth_date,
            coalesce(s.vaccine_doses, 0), v.next_vaccine_due_on, s.last_vet_visit_on, w.weight_kg, w.weighed_on,
            p.created_at, p.deleted_at, coalesce(u.analytics_opt_out, false), now()
        from pets as p
        left join event_summary as s on s.pet_id = p.pet_id
        left join vaccines as v on v.pet_id = p.pet_id
        left join latest_weight as w on w.pet_id = p.pet_id
        left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    )
    select * from final
    on conflict (pet_id) do update
    set owner_user_id = excluded.owner_user_id,
        species = excluded.species,
        breed = excluded.breed,
        sex = excluded.sex,
        is_neutered = excluded.is_neutered,
        birth_date = excluded.birth_date,
        vaccine_doses = excluded.vaccine_doses,
        next_vaccine_due_on = excluded.next_vaccine_due_on,
        last_vet_visit_on = excluded.last_vet_visit_on,
        latest_weight_kg = excluded.latest_weight_kg,
        latest_weighed_on = excluded.latest_weighed_on,
        created_at = excluded.created_at,
        deleted_at = excluded.deleted_at,
        analytics_opt_out = excluded.analytics_opt_out,
        _dbt_loaded_at = excluded._dbt_loaded_at;
    get diagnostics v_upserted = row_count;

    -- Time moves age, life stage and statuses without new data (and the attention mart, rebuilt just
    -- before, may list pets no batch touched): re-stage every row whose values changed.
    update marts.marts_pets_dim_pets as m
    set age_months = s.age_months,
        age_years = s.age_years,
        life_stage = s.life_stage,
        vaccination_status = s.vaccination_status,
        health_status = s.health_status,
        _dbt_loaded_at = now()
    from (
        select
            x.pet_id, x.age_months, x.age_months / 12 as age_years,
            warehouse.pet_life_stage(x.species, x.age_months) as life_stage,
            x.vaccination_status,
            case
                when x.vaccination_status = 'overdue' then 'vaccine_overdue'
                when exists (select 1 from marts.marts_pets_attention_needed as a where a.pet_id = x.pet_id) then 'needs_attention'
                else 'up_to_date'
            end as health_status
        from (
            select d.pet_id, d.species, warehouse.pet_age_months(d.birth_date, current_date) as age_months,
                   case
                       when d.vaccine_doses = 0 then 'no_record'
                       when d.next_vaccine_due_on < current_date then 'overdue'
                       else 'up_to_date'
                   end as vaccination_status
            from marts.marts_pets_dim_pets as d
        ) as x
    ) as s
    where s.pet_id = m.pet_id
      and (m.age_months, m.life_stage, m.vaccination_status, m.health_status)
          is distinct from (s.age_months, s.life_stage, s.vaccination_status, s.health_status);
    get diagnostics v_restaged = row_count;

    v_result.rows_out := v_removed + v_upserted + v_restaged;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_pets_dim_pets(bigint, bigint) is
    'Model marts_pets_dim_pets: recomputes the pets touched in batches (p_from_batch, p_to_batch] from staging, removes '
    'hard-deleted ones, then re-stages every pet whose age, life stage, vaccination or health status changed with the date '
    'or with marts_pets_attention_needed.';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('marts_pets_dim_pets', 'marts', 'marts', 'marts_pets_dim_pets',
        '{staging.stg_supabase_pets,staging.stg_supabase_users,staging.stg_supabase_health_events,staging.stg_supabase_pet_weights,staging.stg_supabase_care_tasks,marts.marts_pets_attention_needed}',
        'marts.refresh_marts_pets_dim_pets', 'one row per pet');

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
