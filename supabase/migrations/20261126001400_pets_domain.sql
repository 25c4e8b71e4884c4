-- Pets domain: pet profiles, weight history, health events and care tasks, from the app's tables to
-- the seed's pets marts (marts_pets_dim_pets, marts_pets_health_events, marts_pets_care_schedule),
-- plus a weight-history fact and the proactive care mart marts_pets_attention_needed, with no new
-- mechanism: raw tables prepared by warehouse.prepare_raw_table, sources and columns as registry rows,
-- models as warehouse.models rows, tests as warehouse.quality_tests rows, retention and erasure as
-- rows, row-level security by warehouse.enable_mart_rls.
--
-- Privacy. The pet's name and the free-text notes of health events stay in raw; staging and marts
-- carry neither. Every row is keyed to its owner (owner_user_id), so opt-out and erasure work as for
-- the core domain. Time-dependent columns (age, life stage, vaccination and health status, the
-- attention list) are recomputed for the pets whose state can have changed with the date.

-- ---------------------------------------------------------------------------------------------
-- Raw tables
-- ---------------------------------------------------------------------------------------------

create table raw.raw_supabase_pets (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    owner_user_id uuid,
    name varchar(100),
    species varchar(20),
    breed varchar(100),
    birth_date date,
    sex varchar(10),
    is_neutered boolean,
    created_at timestamptz,
    updated_at timestamptz,
    deleted_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

create table raw.raw_supabase_pet_weights (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    pet_id uuid,
    weighed_on date,
    weight_kg numeric(6,2),
    created_at timestamptz,
    updated_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

create table raw.raw_supabase_health_events (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    pet_id uuid,
    event_type varchar(20),
    vaccine_name varchar(100),
    medication_name varchar(100),
    occurred_on date,
    next_due_on date,
    outcome text,
    notes text,
    created_at timestamptz,
    updated_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

create table raw.raw_supabase_care_tasks (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    pet_id uuid,
    task_type varchar(20),
    due_on date,
    reminder_sent_at timestamptz,
    completed_at timestamptz,
    status varchar(20),
    created_at timestamptz,
    updated_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table(t)
from unnest(array['raw_supabase_pets', 'raw_supabase_pet_weights', 'raw_supabase_health_events', 'raw_supabase_care_tasks']) as t;

-- Erasure and the staging models find a pet's rows through the pet.
create index idx_raw_pets_owner on raw.raw_supabase_pets (owner_user_id);
create index idx_raw_pet_weights_pet on raw.raw_supabase_pet_weights (pet_id);
create index idx_raw_health_events_pet on raw.raw_supabase_health_events (pet_id);
create index idx_raw_care_tasks_pet on raw.raw_supabase_care_tasks (pet_id);

select count(*) from warehouse.ensure_partitions();

comment on table raw.raw_supabase_pets is
    'Raw pets: one row per extracted version of a pet profile (public.pets), append-only, partitioned by extraction month. '
    'The only warehouse table with the pet''s name.';
comment on column raw.raw_supabase_pets.id is 'Pet id (public.pets.id).';
comment on column raw.raw_supabase_pets.owner_user_id is 'The account the pet belongs to.';
comment on column raw.raw_supabase_pets.name is 'The pet''s name. Family data: never past raw.';
comment on column raw.raw_supabase_pets.species is 'dog, cat, rabbit, bird or other.';
comment on column raw.raw_supabase_pets.breed is 'Breed as the owner entered it.';
comment on column raw.raw_supabase_pets.birth_date is 'Birth date (often estimated).';
comment on column raw.raw_supabase_pets.sex is 'male, female or unknown.';
comment on column raw.raw_supabase_pets.is_neutered is 'Whether the pet is spayed or neutered.';
comment on column raw.raw_supabase_pets.created_at is 'When the pet was added to the app.';
comment on column raw.raw_supabase_pets.updated_at is 'Source change time (the change-tracking column).';
comment on column raw.raw_supabase_pets.deleted_at is 'Soft-delete time in the source.';

comment on table raw.raw_supabase_pet_weights is
    'Raw weigh-ins: one row per extracted version of a weigh-in (public.pet_weights), append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_pet_weights.id is 'Weigh-in id.';
comment on column raw.raw_supabase_pet_weights.pet_id is 'The pet weighed.';
comment on column raw.raw_supabase_pet_weights.weighed_on is 'Day of the weigh-in.';
comment on column raw.raw_supabase_pet_weights.weight_kg is 'Weight in kilograms.';
comment on column raw.raw_supabase_pet_weights.created_at is 'When the source row was written.';
comment on column raw.raw_supabase_pet_weights.updated_at is 'Source change time (the change-tracking column).';

comment on table raw.raw_supabase_health_events is
    'Raw health events: one row per extracted version of a vet visit, vaccine or medication dose (public.health_events), '
    'append-only, partitioned by extraction month. The only warehouse table with the free-text notes.';
comment on column raw.raw_supabase_health_events.id is 'Health event id.';
comment on column raw.raw_supabase_health_events.pet_id is 'The pet concerned.';
comment on column raw.raw_supabase_health_events.event_type is 'vet_visit, vaccine or medication.';
comment on column raw.raw_supabase_health_events.vaccine_name is 'For vaccines: which vaccine.';
comment on column raw.raw_supabase_health_events.medication_name is 'For medications: which medication.';
comment on column raw.raw_supabase_health_events.occurred_on is 'Day of the visit or dose.';
comment on column raw.raw_supabase_health_events.next_due_on is 'For vaccines and medications: when the next dose is due.';
comment on column raw.raw_supabase_health_events.outcome is 'Outcome of the visit or dose.';
comment on column raw.raw_supabase_health_events.notes is 'Free text. PII risk: never past raw.';
comment on column raw.raw_supabase_health_events.created_at is 'When the source row was written.';
comment on column raw.raw_supabase_health_events.updated_at is 'Source change time (the change-tracking column).';

comment on table raw.raw_supabase_care_tasks is
    'Raw care tasks: one row per extracted version of a scheduled care task (public.care_tasks), append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_care_tasks.id is 'Care task id.';
comment on column raw.raw_supabase_care_tasks.pet_id is 'The pet the task is for.';
comment on column raw.raw_supabase_care_tasks.task_type is 'vaccine_due, medication, grooming, vet_checkup or weigh_in.';
comment on column raw.raw_supabase_care_tasks.due_on is 'Day the task is due.';
comment on column raw.raw_supabase_care_tasks.reminder_sent_at is 'When a reminder was sent; NULL: none.';
comment on column raw.raw_supabase_care_tasks.completed_at is 'When the task was marked done.';
comment on column raw.raw_supabase_care_tasks.status is 'scheduled, completed or skipped.';
comment on column raw.raw_supabase_care_tasks.created_at is 'When the task was scheduled.';
comment on column raw.raw_supabase_care_tasks.updated_at is 'Source change time (the change-tracking column).';

-- ---------------------------------------------------------------------------------------------
-- Sources
-- ---------------------------------------------------------------------------------------------

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_pets', 'public', 'pets', 'id', 'updated_at', 'raw_supabase_pets', 's.owner_user_id'),
    ('supabase_pet_weights', 'public', 'pet_weights', 'id', 'updated_at', 'raw_supabase_pet_weights',
        '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)'),
    ('supabase_health_events', 'public', 'health_events', 'id', 'updated_at', 'raw_supabase_health_events',
        '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)'),
    ('supabase_care_tasks', 'public', 'care_tasks', 'id', 'updated_at', 'raw_supabase_care_tasks',
        '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_pets', 'id', 'uuid', 'id', null),
    ('supabase_pets', 'owner_user_id', 'uuid', 'owner_user_id', null),
    ('supabase_pets', 'name', 'character varying(100)', 'name', null),
    ('supabase_pets', 'species', 'character varying(20)', 'species', null),
    ('supabase_pets', 'breed', 'character varying(100)', 'breed', null),
    ('supabase_pets', 'birth_date', 'date', 'birth_date', null),
    ('supabase_pets', 'sex', 'character varying(10)', 'sex', null),
    ('supabase_pets', 'is_neutered', 'boolean', 'is_neutered', null),
    ('supabase_pets', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_pets', 'updated_at', 'timestamp with time zone', 'updated_at', null),
    ('supabase_pets', 'deleted_at', 'timestamp with time zone', 'deleted_at', null),
    ('supabase_pet_weights', 'id', 'uuid', 'id', null),
    ('supabase_pet_weights', 'pet_id', 'uuid', 'pet_id', null),
    ('supabase_pet_weights', 'weighed_on', 'date', 'weighed_on', null),
    ('supabase_pet_weights', 'weight_kg', 'numeric(6,2)', 'weight_kg', null),
    ('supabase_pet_weights', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_pet_weights', 'updated_at', 'timestamp with time zone', 'updated_at', null),
    ('supabase_health_events', 'id', 'uuid', 'id', null),
    ('supabase_health_events', 'pet_id', 'uuid', 'pet_id', null),
    ('supabase_health_events', 'event_type', 'character varying(20)', 'event_type', null),
    ('supabase_health_events', 'vaccine_name', 'character varying(100)', 'vaccine_name', null),
    ('supabase_health_events', 'medication_name', 'character varying(100)', 'medication_name', null),
    ('supabase_health_events', 'occurred_on', 'date', 'occurred_on', null),
    ('supabase_health_events', 'next_due_on', 'date', 'next_due_on', null),
    ('supabase_health_events', 'outcome', 'text', 'outcome', null),
    ('supabase_health_events', 'notes', 'text', 'notes', null),
    ('supabase_health_events', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_health_events', 'updated_at', 'timestamp with time zone', 'updated_at', null),
    ('supabase_care_tasks', 'id', 'uuid', 'id', null),
    ('supabase_care_tasks', 'pet_id', 'uuid', 'pet_id', null),
    ('supabase_care_tasks', 'task_type', 'character varying(20)', 'task_type', null),
    ('supabase_care_tasks', 'due_on', 'date', 'due_on', null),
    ('supabase_care_tasks', 'reminder_sent_at', 'timestamp with time zone', 'reminder_sent_at', null),
    ('supabase_care_tasks', 'completed_at', 'timestamp with time zone', 'completed_at', null),
    ('supabase_care_tasks', 'status', 'character varying(20)', 'status', null),
    ('supabase_care_tasks', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_care_tasks', 'updated_at', 'timestamp with time zone', 'updated_at', null);

-- Production has the source tables already; locally they are loaded before the migrations.
select warehouse.install_delete_capture(source_name)
from warehouse.sources
where source_name in ('supabase_pets', 'supabase_pet_weights', 'supabase_health_events', 'supabase_care_tasks');

do $$
declare
    v_source record;
begin
    for v_source in
        select source_schema, source_table from warehouse.sources
        where source_name in ('supabase_pets', 'supabase_pet_weights', 'supabase_health_events', 'supabase_care_tasks')
    loop
        if to_regclass(format('%I.%I', v_source.source_schema, v_source.source_table)) is not null then
            execute format('grant select on %I.%I to warehouse_pipeline', v_source.source_schema, v_source.source_table);
        end if;
    end loop;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Definitions: life stages and care rules are data
-- ---------------------------------------------------------------------------------------------

create table warehouse.pet_life_stage_definitions (
    species varchar(20) not null,
    life_stage varchar(20) not null,
    min_age_months integer not null check (min_age_months >= 0),
    max_age_months integer,
    is_growing boolean not null default false,
    description text not null,
    primary key (species, life_stage),
    check (max_age_months is null or max_age_months >= min_age_months)
);

comment on table warehouse.pet_life_stage_definitions is
    'Pet life stage rules; one row per species and stage. A pet is in the stage whose age bounds (whole months, '
    'inclusive) hold its age; growing stages are exempt from the abnormal weight change rule.';
comment on column warehouse.pet_life_stage_definitions.species is 'dog, cat, rabbit, bird or other.';
comment on column warehouse.pet_life_stage_definitions.life_stage is 'Stage name: puppy, kitten, juvenile, adult, senior.';
comment on column warehouse.pet_life_stage_definitions.min_age_months is 'Lower bound (inclusive) on age in whole months.';
comment on column warehouse.pet_life_stage_definitions.max_age_months is 'Upper bound (inclusive) on age in whole months; NULL: none.';
comment on column warehouse.pet_life_stage_definitions.is_growing is 'The pet is still growing: fast weight gain is expected.';
comment on column warehouse.pet_life_stage_definitions.description is 'The rule in words.';

insert into warehouse.pet_life_stage_definitions (species, life_stage, min_age_months, max_age_months, is_growing, description)
values
    ('dog', 'puppy', 0, 11, true, 'Dogs under 1 year.'),
    ('dog', 'adult', 12, 83, false, 'Dogs from 1 to 6 years.'),
    ('dog', 'senior', 84, null, false, 'Dogs of 7 years and more.'),
    ('cat', 'kitten', 0, 11, true, 'Cats under 1 year.'),
    ('cat', 'adult', 12, 131, false, 'Cats from 1 to 10 years.'),
    ('cat', 'senior', 132, null, false, 'Cats of 11 years and more.'),
    ('rabbit', 'juvenile', 0, 5, true, 'Rabbits under 6 months.'),
    ('rabbit', 'adult', 6, 71, false, 'Rabbits from 6 months to 5 years.'),
    ('rabbit', 'senior', 72, null, false, 'Rabbits of 6 years and more.'),
    ('bird', 'juvenile', 0, 11, true, 'Birds under 1 year.'),
    ('bird', 'adult', 12, 119, false, 'Birds from 1 to 9 years.'),
    ('bird', 'senior', 120, null, false, 'Birds of 10 years and more.'),
    ('other', 'juvenile', 0, 11, true, 'Other pets under 1 year.'),
    ('other', 'adult', 12, 95, false, 'Other pets from 1 to 7 years.'),
    ('other', 'senior', 96, null, false, 'Other pets of 8 years and more.');

insert into warehouse.metric_definitions (metric_name, value, description)
values
    ('pet_vaccine_due_window_days', 30, 'A vaccine booster due within this many days (or overdue) needs attention.'),
    ('pet_medication_gap_lookback_days', 60,
        'A missed medication dose needs attention while its due date is at most this many days ago; older, the medication counts as stopped.'),
    ('pet_weight_change_pct', 10, 'A weight change of more than this many percent from the previous weigh-in (within pet_weight_change_window_days) is abnormal; not for growing pets.'),
    ('pet_weight_change_window_days', 30,
        'Weigh-ins compared for an abnormal change are at most this many days apart, and the latest must be within this many days of today.');

create function warehouse.pet_age_months(p_birth_date date, p_as_of date)
returns integer
language sql
immutable
parallel safe
set search_path = ''
as $$
    select ((extract(year from age(p_as_of, p_birth_date)) * 12) + extract(month from age(p_as_of, p_birth_date)))::integer
$$;

comment on function warehouse.pet_age_months(date, date) is 'Age in whole months on p_as_of of a pet born on p_birth_date; NULL when unknown.';

create function warehouse.pet_life_stage(p_species text, p_age_months integer)
returns varchar(20)
language sql
stable
set search_path = ''
as $$
    select coalesce((
        select d.life_stage
        from warehouse.pet_life_stage_definitions as d
        where d.species = p_species
          and p_age_months >= d.min_age_months
          and (d.max_age_months is null or p_age_months <= d.max_age_months)
        order by d.min_age_months
        limit 1
    ), 'unknown')::varchar(20)
$$;

comment on function warehouse.pet_life_stage(text, integer) is
    'The life stage of a pet of a species and age in months (warehouse.pet_life_stage_definitions); unknown without an age.';

create function warehouse.pet_is_growing(p_species text, p_age_months integer)
returns boolean
language sql
stable
set search_path = ''
as $$
    select coalesce((
        select d.is_growing
        from warehouse.pet_life_stage_definitions as d
        where d.species = p_species
          and p_age_months >= d.min_age_months
          and (d.max_age_months is null or p_age_months <= d.max_age_months)
        order by d.min_age_months
        limit 1
    ), false)
$$;

comment on function warehouse.pet_is_growing(text, integer) is
    'Whether a pet of a species and age in months is in a growing life stage (warehouse.pet_life_stage_definitions).';

-- ---------------------------------------------------------------------------------------------
-- Staging tables
-- ---------------------------------------------------------------------------------------------

create table staging.stg_supabase_pets (
    pet_id uuid primary key,
    owner_user_id uuid,
    species varchar(20),
    breed varchar(100),
    birth_date date,
    age_months_at_load integer,
    sex varchar(10),
    is_neutered boolean,
    created_at timestamptz,
    updated_at timestamptz,
    deleted_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_pets_owner on staging.stg_supabase_pets (owner_user_id);
create index idx_stg_pets_batch on staging.stg_supabase_pets (_batch_id);

comment on table staging.stg_supabase_pets is
    'Staging pets: one row per pet ever extracted, current state (SCD1). No name: species, breed and dates only.';
comment on column staging.stg_supabase_pets.pet_id is 'Pet id (public.pets.id).';
comment on column staging.stg_supabase_pets.owner_user_id is 'The account the pet belongs to.';
comment on column staging.stg_supabase_pets.species is 'dog, cat, rabbit, bird or other.';
comment on column staging.stg_supabase_pets.breed is 'Breed as the owner entered it, trimmed.';
comment on column staging.stg_supabase_pets.birth_date is 'Birth date.';
comment on column staging.stg_supabase_pets.age_months_at_load is 'Age in whole months when the row was loaded (marts recompute it daily).';
comment on column staging.stg_supabase_pets.sex is 'male, female or unknown.';
comment on column staging.stg_supabase_pets.is_neutered is 'Whether the pet is spayed or neutered.';
comment on column staging.stg_supabase_pets.created_at is 'When the pet was added to the app.';
comment on column staging.stg_supabase_pets.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_pets.deleted_at is 'Soft-delete time in the source.';
comment on column staging.stg_supabase_pets.is_hard_deleted is 'The row was deleted from the source (a raw tombstone arrived).';
comment on column staging.stg_supabase_pets.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_pets._changed_at is 'Change time of the version applied; an older version never overwrites a newer one.';
comment on column staging.stg_supabase_pets._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_pets._dbt_loaded_at is 'When the pipeline last wrote the row.';

create table staging.stg_supabase_pet_weights (
    weight_id uuid primary key,
    pet_id uuid,
    owner_user_id uuid,
    weighed_on date,
    weight_kg numeric(6,2),
    created_at timestamptz,
    updated_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_pet_weights_pet on staging.stg_supabase_pet_weights (pet_id, weighed_on);
create index idx_stg_pet_weights_owner on staging.stg_supabase_pet_weights (owner_user_id);
create index idx_stg_pet_weights_batch on staging.stg_supabase_pet_weights (_batch_id);

comment on table staging.stg_supabase_pet_weights is 'Staging weigh-ins: one row per weigh-in, current state (SCD1), with the pet''s owner.';
comment on column staging.stg_supabase_pet_weights.weight_id is 'Weigh-in id.';
comment on column staging.stg_supabase_pet_weights.pet_id is 'The pet weighed.';
comment on column staging.stg_supabase_pet_weights.owner_user_id is 'The pet''s owner (denormalised from raw pets), for opt-out and erasure.';
comment on column staging.stg_supabase_pet_weights.weighed_on is 'Day of the weigh-in.';
comment on column staging.stg_supabase_pet_weights.weight_kg is 'Weight in kilograms.';
comment on column staging.stg_supabase_pet_weights.created_at is 'When the source row was written.';
comment on column staging.stg_supabase_pet_weights.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_pet_weights.is_hard_deleted is 'The weigh-in was deleted from the source.';
comment on column staging.stg_supabase_pet_weights.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_pet_weights._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_pet_weights._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_pet_weights._dbt_loaded_at is 'When the pipeline last wrote the row.';

create table staging.stg_supabase_health_events (
    health_event_id uuid primary key,
    pet_id uuid,
    owner_user_id uuid,
    event_type varchar(20),
    vaccine_name varchar(100),
    medication_name varchar(100),
    occurred_on date,
    next_due_on date,
    outcome text,
    created_at timestamptz,
    updated_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_health_events_pet on staging.stg_supabase_health_events (pet_id, occurred_on);
create index idx_stg_health_events_owner on staging.stg_supabase_health_events (owner_user_id);
create index idx_stg_health_events_batch on staging.stg_supabase_health_events (_batch_id);
create index idx_stg_health_events_next_due on staging.stg_supabase_health_events (next_due_on);

comment on table staging.stg_supabase_health_events is
    'Staging health events: one row per vet visit, vaccine or medication dose, current state (SCD1). No notes.';
comment on column staging.stg_supabase_health_events.health_event_id is 'Health event id.';
comment on column staging.stg_supabase_health_events.pet_id is 'The pet concerned.';
comment on column staging.stg_supabase_health_events.owner_user_id is 'The pet''s owner (denormalised from raw pets), for opt-out and erasure.';
comment on column staging.stg_supabase_health_events.event_type is 'vet_visit, vaccine or medication.';
comment on column staging.stg_supabase_health_events.vaccine_name is 'For vaccines: which vaccine, trimmed.';
comment on column staging.stg_supabase_health_events.medication_name is 'For medications: which medication, trimmed.';
comment on column staging.stg_supabase_health_events.occurred_on is 'Day of the visit or dose.';
comment on column staging.stg_supabase_health_events.next_due_on is 'For vaccines and medications: when the next dose is due.';
comment on column staging.stg_supabase_health_events.outcome is 'Outcome of the visit or dose.';
comment on column staging.stg_supabase_health_events.created_at is 'When the source row was written.';
comment on column staging.stg_supabase_health_events.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_health_events.is_hard_deleted is 'The event was deleted from the source.';
comment on column staging.stg_supabase_health_events.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_health_events._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_health_events._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_health_events._dbt_loaded_at is 'When the pipeline last wrote the row.';

create table staging.stg_supabase_care_tasks (
    care_task_id uuid primary key,
    pet_id uuid,
    owner_user_id uuid,
    task_type varchar(20),
    due_on date,
    reminder_sent_at timestamptz,
    completed_at timestamptz,
    status varchar(20),
    created_at timestamptz,
    updated_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_care_tasks_pet on staging.stg_supabase_care_tasks (pet_id, due_on);
create index idx_stg_care_tasks_owner on staging.stg_supabase_care_tasks (owner_user_id);
create index idx_stg_care_tasks_batch on staging.stg_supabase_care_tasks (_batch_id);

comment on table staging.stg_supabase_care_tasks is 'Staging care tasks: one row per scheduled care task, current state (SCD1).';
comment on column staging.stg_supabase_care_tasks.care_task_id is 'Care task id.';
comment on column staging.stg_supabase_care_tasks.pet_id is 'The pet the task is for.';
comment on column staging.stg_supabase_care_tasks.owner_user_id is 'The pet''s owner (denormalised from raw pets), for opt-out and erasure.';
comment on column staging.stg_supabase_care_tasks.task_type is 'vaccine_due, medication, grooming, vet_checkup or weigh_in.';
comment on column staging.stg_supabase_care_tasks.due_on is 'Day the task is due.';
comment on column staging.stg_supabase_care_tasks.reminder_sent_at is 'When a reminder was sent; NULL: none.';
comment on column staging.stg_supabase_care_tasks.completed_at is 'When the task was marked done.';
comment on column staging.stg_supabase_care_tasks.status is 'scheduled, completed or skipped.';
comment on column staging.stg_supabase_care_tasks.created_at is 'When the task was scheduled.';
comment on column staging.stg_supabase_care_tasks.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_care_tasks.is_hard_deleted is 'The task was deleted from the source.';
comment on column staging.stg_supabase_care_tasks.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_care_tasks._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_care_tasks._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_care_tasks._dbt_loaded_at is 'When the pipeline last wrote the row.';

-- ---------------------------------------------------------------------------------------------
-- Staging models: the newest version per key among the new batches, merged in (SCD1), as for the
-- core sources. The child tables carry the pet's owner, looked up in raw pets (the newest version of
-- the pet that is not a tombstone), so that staging models read raw only.
-- ---------------------------------------------------------------------------------------------

create function staging.refresh_stg_supabase_pets(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_result warehouse.refresh_result;
begin
    with new_versions as (
        select distinct on (r.id) r.*
        from raw.raw_supabase_pets as r
        where r.batch_id > p_from_batch and r.batch_id <= p_to_batch
        order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
    ),
    merged as (
        insert into staging.stg_supabase_pets as s (
            pet_id, owner_user_id, species, breed, birth_date, age_months_at_load, sex, is_neutered, created_at,
            updated_at, deleted_at, _changed_at, _batch_id, _dbt_loaded_at
        )
        select
            v.id,
            v.owner_user_id,
            v.species,
            nullif(btrim(v.breed), ''),
            v.birth_date,
            warehouse.pet_age_months(v.birth_date, current_date),
            v.sex,
            v.is_neutered,
            v.created_at,
            v.updated_at,
            v.deleted_at,
            v.changed_at,
            v.batch_id,
            now()
        from new_versions as v
        where not v.is_tombstone
        on conflict (pet_id) do update
        set owner_user_id = excluded.owner_user_id,
            species = excluded.species,
            breed = excluded.breed,
            birth_date = excluded.birth_date,
            age_months_at_load = excluded.age_months_at_load,
            sex = excluded.sex,
            is_neutered = excluded.is_neutered,
            created_at = excluded.created_at,
            updated_at = excluded.updated_at,
            deleted_at = excluded.deleted_at,
            is_hard_deleted = false,
            hard_deleted_at = null,
            _changed_at = excluded._changed_at,
            _batch_id = excluded._batch_id,
            _dbt_loaded_at = excluded._dbt_loaded_at
        where s._changed_at is null or excluded._changed_at >= s._changed_at
        returning 1
    ),
    tombstoned as (
        update staging.stg_supabase_pets as s
        set is_hard_deleted = true, hard_deleted_at = v.changed_at, _changed_at = v.changed_at,
            _batch_id = v.batch_id, _dbt_loaded_at = now()
        from new_versions as v
        where v.is_tombstone and s.pet_id = v.id and (s._changed_at is null or v.changed_at >= s._changed_at)
        returning 1
    )
    select (select count(*) from new_versions), (select count(*) from merged) + (select count(*) from tombstoned)
    into v_result.rows_in, v_result.rows_out;
    return v_result;
end;
$$;

comment on function staging.refresh_stg_supabase_pets(bigint, bigint) is
    'Model stg_supabase_pets: merges the newest raw version of each pet in batches (p_from_batch, p_to_batch], without the pet''s name.';

create function staging.refresh_stg_supabase_pet_weights(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_result warehouse.refresh_result;
begin
    with new_versions as (
        select distinct on (r.id) r.*
        from raw.raw_supabase_pet_weights as r
        where r.batch_id > p_from_batch and r.batch_id <= p_to_batch
        order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
    ),
    owners as (
        select distinct on (p.id) p.id as pet_id, p.owner_user_id
        from raw.raw_supabase_pets as p
        where p.id in (select v.pet_id from new_versions as v) and not p.is_tombstone
        order by p.id, p.changed_at desc nulls last, p.batch_id desc
    ),
    merged as (
        insert into staging.stg_supabase_pet_weights as s (
            weight_id, pet_id, owner_user_id, weighed_on, weight_kg, created_at, updated_at, _changed_at, _batch_id, _dbt_loaded_at
        )
        select v.id, v.pet_id, o.owner_user_id, v.weighed_on, v.weight_kg, v.created_at, v.updated_at, v.changed_at, v.batch_id, now()
        from new_versions as v
        left join owners as o on o.pet_id = v.pet_id
        where not v.is_tombstone
        on conflict (weight_id) do update
        set pet_id = excluded.pet_id,
            owner_user_id = excluded.owner_user_id,
            weighed_on = excluded.weighed_on,
            weight_kg = excluded.weight_kg,
            created_at = excluded.created_at,
            updated_at = excluded.updated_at,
            is_hard_deleted = false,
            hard_deleted_at = null,
            _changed_at = excluded._changed_at,
            _batch_id = excluded._batch_id,
            _dbt_loaded_at = excluded._dbt_loaded_at
        where s._changed_at is null or excluded._changed_at >= s._changed_at
        returning 1
    ),
    tombstoned as (
        update staging.stg_supabase_pet_weights as s
        set is_hard_deleted = true, hard_deleted_at = v.changed_at, _changed_at = v.changed_at,
            _batch_id = v.batch_id, _dbt_loaded_at = now()
        from new_versions as v
        where v.is_tombstone and s.weight_id = v.id and (s._changed_at is null or v.changed_at >= s._changed_at)
        returning 1
    )
    select (select count(*) from new_versions), (select count(*) from merged) + (select count(*) from tombstoned)
    into v_result.rows_in, v_result.rows_out;
    return v_result;
end;
$$;

comment on function staging.refresh_stg_supabase_pet_weights(bigint, bigint) is
    'Model stg_supabase_pet_weights: merges the newest raw version of each weigh-in in batches (p_from_batch, p_to_batch], with the pet''s owner.';

create function staging.refresh_stg_supabase_health_events(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_result warehouse.refresh_result;
begin
    with new_versions as (
        select distinct on (r.id) r.*
        from raw.raw_supabase_health_events as r
        where r.batch_id > p_from_batch and r.batch_id <= p_to_batch
        order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
    ),
    owners as (
        select distinct on (p.id) p.id as pet_id, p.owner_user_id
        from raw.raw_supabase_pets as p
        where p.id in (select v.pet_id from new_versions as v) and not p.is_tombstone
        order by p.id, p.changed_at desc nulls last, p.batch_id desc
    ),
    merged as (
        insert into staging.stg_supabase_health_events as s (
            health_event_id, pet_id, owner_user_id, event_type, vaccine_name, medication_name, occurred_on, next_due_on,
            outcome, created_at, updated_at, _changed_at, _batch_id, _dbt_loaded_at
        )
        select
            v.id, v.pet_id, o.owner_user_id, v.event_type, nullif(btrim(v.vaccine_name), ''), nullif(btrim(v.medication_name), ''),
            v.occurred_on, v.next_due_on, v.outcome, v.created_at, v.updated_at, v.changed_at, v.batch_id, now()
        from new_versions as v
        left join owners as o on o.pet_id = v.pet_id
        where not v.is_tombstone
        on conflict (health_event_id) do update
        set pet_id = excluded.pet_id,
            owner_user_id = excluded.owner_user_id,
            event_type = excluded.event_type,
            vaccine_name = excluded.vaccine_name,
            medication_name = excluded.medication_name,
            occurred_on = excluded.occurred_on,
            next_due_on = excluded.next_due_on,
            outcome = excluded.outcome,
            created_at = excluded.created_at,
            updated_at = excluded.updated_at,
            is_hard_deleted = false,
            hard_deleted_at = null,
            _changed_at = excluded._changed_at,
            _batch_id = excluded._batch_id,
            _dbt_loaded_at = excluded._dbt_loaded_at
        where s._changed_at is null or excluded._changed_at >= s._changed_at
        returning 1
    ),
    tombstoned as (
        update staging.stg_supabase_health_events as s
        set is_hard_deleted = true, hard_deleted_at = v.changed_at, _changed_at = v.changed_at,
            _batch_id = v.batch_id, _dbt_loaded_at = now()
        from new_versions as v
        where v.is_tombstone and s.health_event_id = v.id and (s._changed_at is null or v.changed_at >= s._changed_at)
        returning 1
    )
    select (select count(*) from new_versions), (select count(*) from merged) + (select count(*) from tombstoned)
    into v_result.rows_in, v_result.rows_out;
    return v_result;
end;
$$;

comment on function staging.refresh_stg_supabase_health_events(bigint, bigint) is
    'Model stg_supabase_health_events: merges the newest raw version of each health event in batches (p_from_batch, p_to_batch], '
    'with the pet''s owner and without the free-text notes.';

create function staging.refresh_stg_supabase_care_tasks(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_result warehouse.refresh_result;
begin
    with new_versions as (
        select distinct on (r.id) r.*
        from raw.raw_supabase_care_tasks as r
        where r.batch_id > p_from_batch and r.batch_id <= p_to_batch
        order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
    ),
    owners as (
        select distinct on (p.id) p.id as pet_id, p.owner_user_id
        from raw.raw_supabase_pets as p
        where p.id in (select v.pet_id from new_versions as v) and not p.is_tombstone
        order by p.id, p.changed_at desc nulls last, p.batch_id desc
    ),
    merged as (
        insert into staging.stg_supabase_care_tasks as s (
            care_task_id, pet_id, owner_user_id, task_type, due_on, reminder_sent_at, completed_at, status, created_at,
            updated_at, _changed_at, _batch_id, _dbt_loaded_at
        )
        select
            v.id, v.pet_id, o.owner_user_id, v.task_type, v.due_on, v.reminder_sent_at, v.completed_at, v.status,
            v.created_at, v.updated_at, v.changed_at, v.batch_id, now()
        from new_versions as v
        left join owners as o on o.pet_id = v.pet_id
        where not v.is_tombstone
        on conflict (care_task_id) do update
        set pet_id = excluded.pet_id,
            owner_user_id = excluded.owner_user_id,
            task_type = excluded.task_type,
            due_on = excluded.due_on,
            reminder_sent_at = excluded.reminder_sent_at,
            completed_at = excluded.completed_at,
            status = excluded.status,
            created_at = excluded.created_at,
            updated_at = excluded.updated_at,
            is_hard_deleted = false,
            hard_deleted_at = null,
            _changed_at = excluded._changed_at,
            _batch_id = excluded._batch_id,
            _dbt_loaded_at = excluded._dbt_loaded_at
        where s._changed_at is null or excluded._changed_at >= s._changed_at
        returning 1
    ),
    tombstoned as (
        update staging.stg_supabase_care_tasks as s
        set is_hard_deleted = true, hard_deleted_at = v.changed_at, _changed_at = v.changed_at,
            _batch_id = v.batch_id, _dbt_loaded_at = now()
        from new_versions as v
        where v.is_tombstone and s.care_task_id = v.id and (s._changed_at is null or v.changed_at >= s._changed_at)
        returning 1
    )
    select (select count(*) from new_versions), (select count(*) from merged) + (select count(*) from tombstoned)
    into v_result.rows_in, v_result.rows_out;
    return v_result;
end;
$$;

comment on function staging.refresh_stg_supabase_care_tasks(bigint, bigint) is
    'Model stg_supabase_care_tasks: merges the newest raw version of each care task in batches (p_from_batch, p_to_batch], with the pet''s owner.';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('stg_supabase_pets', 'staging', 'staging', 'stg_supabase_pets', '{raw.raw_supabase_pets}',
        'staging.refresh_stg_supabase_pets', 'one row per pet'),
    ('stg_supabase_pet_weights', 'staging', 'staging', 'stg_supabase_pet_weights', '{raw.raw_supabase_pet_weights,raw.raw_supabase_pets}',
        'staging.refresh_stg_supabase_pet_weights', 'one row per weigh-in'),
    ('stg_supabase_health_events', 'staging', 'staging', 'stg_supabase_health_events', '{raw.raw_supabase_health_events,raw.raw_supabase_pets}',
        'staging.refresh_stg_supabase_health_events', 'one row per health event (vet visit, vaccine or medication dose)'),
    ('stg_supabase_care_tasks', 'staging', 'staging', 'stg_supabase_care_tasks', '{raw.raw_supabase_care_tasks,raw.raw_supabase_pets}',
        'staging.refresh_stg_supabase_care_tasks', 'one row per scheduled care task');

-- ---------------------------------------------------------------------------------------------
-- Mart tables
-- ---------------------------------------------------------------------------------------------

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

create table marts.marts_pets_health_events (
    health_event_id uuid primary key,
    pet_id uuid not null,
    owner_user_id uuid not null,
    species varchar(20),
    event_type varchar(20) not null,
    event_date date,
    vaccine_name varchar(100),
    medication_name varchar(100),
    outcome text,
    next_due_on date,
    pet_birth_date date,
    pet_age_months integer,
    is_overdue_at_time boolean not null default false,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_pets_health_events_pet on marts.marts_pets_health_events (pet_id, event_date);
create index idx_marts_pets_health_events_date on marts.marts_pets_health_events (event_date);

comment on table marts.marts_pets_health_events is
    'Fact: pet health events. Grain: one row per health event (vet visit, vaccine dose, medication dose). '
    'Use: vaccination compliance, health trends. No free-text notes.';
comment on column marts.marts_pets_health_events.health_event_id is 'The health event.';
comment on column marts.marts_pets_health_events.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_health_events.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_health_events.species is 'The pet''s species.';
comment on column marts.marts_pets_health_events.event_type is 'vet_visit, vaccine or medication.';
comment on column marts.marts_pets_health_events.event_date is 'Day of the visit or dose.';
comment on column marts.marts_pets_health_events.vaccine_name is 'For vaccines: which vaccine.';
comment on column marts.marts_pets_health_events.medication_name is 'For medications: which medication.';
comment on column marts.marts_pets_health_events.outcome is 'Outcome of the visit or dose.';
comment on column marts.marts_pets_health_events.next_due_on is 'For vaccines and medications: when the next dose is due.';
comment on column marts.marts_pets_health_events.pet_birth_date is 'The pet''s birth date (denormalised: no dose before birth).';
comment on column marts.marts_pets_health_events.pet_age_months is 'The pet''s age in whole months on event_date.';
comment on column marts.marts_pets_health_events.is_overdue_at_time is
    'A vaccine or medication dose given after the previous dose of the same vaccine or medication said the next was due.';
comment on column marts.marts_pets_health_events.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_health_events._dbt_loaded_at is 'When the pipeline wrote the row.';

create table marts.marts_pets_care_schedule (
    care_task_id uuid primary key,
    pet_id uuid not null,
    owner_user_id uuid not null,
    species varchar(20),
    task_type varchar(20) not null,
    due_on date,
    status varchar(20),
    reminder_sent boolean not null default false,
    reminder_sent_at timestamptz,
    reminder_lead_days integer,
    completed_at timestamptz,
    completed_on_time boolean not null default false,
    days_late integer,
    created_at timestamptz,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_pets_care_schedule_pet on marts.marts_pets_care_schedule (pet_id, due_on);
create index idx_marts_pets_care_schedule_due on marts.marts_pets_care_schedule (due_on);

comment on table marts.marts_pets_care_schedule is
    'Fact: pet care tasks. Grain: one row per scheduled care task. Use: reminder effectiveness, care compliance.';
comment on column marts.marts_pets_care_schedule.care_task_id is 'The care task.';
comment on column marts.marts_pets_care_schedule.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_care_schedule.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_care_schedule.species is 'The pet''s species.';
comment on column marts.marts_pets_care_schedule.task_type is 'vaccine_due, medication, grooming, vet_checkup or weigh_in.';
comment on column marts.marts_pets_care_schedule.due_on is 'Day the task is due.';
comment on column marts.marts_pets_care_schedule.status is 'scheduled, completed or skipped.';
comment on column marts.marts_pets_care_schedule.reminder_sent is 'A reminder was sent.';
comment on column marts.marts_pets_care_schedule.reminder_sent_at is 'When the reminder was sent.';
comment on column marts.marts_pets_care_schedule.reminder_lead_days is 'Days from the reminder (UTC date) to due_on.';
comment on column marts.marts_pets_care_schedule.completed_at is 'When the task was marked done.';
comment on column marts.marts_pets_care_schedule.completed_on_time is 'Completed by the end of due_on (UTC).';
comment on column marts.marts_pets_care_schedule.days_late is 'For completed tasks: days after due_on (0 when on time); NULL otherwise.';
comment on column marts.marts_pets_care_schedule.created_at is 'When the task was scheduled.';
comment on column marts.marts_pets_care_schedule.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_care_schedule._dbt_loaded_at is 'When the pipeline wrote the row.';

create table marts.marts_pets_weight_history (
    weight_id uuid primary key,
    pet_id uuid not null,
    owner_user_id uuid not null,
    species varchar(20),
    weighed_on date not null,
    weight_kg numeric(6,2) not null,
    life_stage varchar(20),
    previous_weight_kg numeric(6,2),
    previous_weighed_on date,
    change_pct numeric(8,1),
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_pets_weight_history_pet on marts.marts_pets_weight_history (pet_id, weighed_on);
create index idx_marts_pets_weight_history_date on marts.marts_pets_weight_history (weighed_on);

comment on table marts.marts_pets_weight_history is
    'Fact: pet weigh-ins. Grain: one row per weigh-in. Use: weight trends by species and life stage, growth and abnormal changes.';
comment on column marts.marts_pets_weight_history.weight_id is 'The weigh-in.';
comment on column marts.marts_pets_weight_history.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_weight_history.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_weight_history.species is 'The pet''s species.';
comment on column marts.marts_pets_weight_history.weighed_on is 'Day of the weigh-in.';
comment on column marts.marts_pets_weight_history.weight_kg is 'Weight in kilograms.';
comment on column marts.marts_pets_weight_history.life_stage is 'The pet''s life stage on weighed_on.';
comment on column marts.marts_pets_weight_history.previous_weight_kg is 'Weight at the pet''s previous weigh-in.';
comment on column marts.marts_pets_weight_history.previous_weighed_on is 'Day of the previous weigh-in.';
comment on column marts.marts_pets_weight_history.change_pct is 'Change from the previous weigh-in, in percent.';
comment on column marts.marts_pets_weight_history.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_weight_history._dbt_loaded_at is 'When the pipeline wrote the row.';

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

-- ---------------------------------------------------------------------------------------------
-- Mart models: each recomputes the pets touched by the new batches (and, for the time-dependent
-- ones, the pets whose state can have changed with the date)
-- ---------------------------------------------------------------------------------------------

create function warehouse.pets_touched(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
set search_path = ''
as $$
    select p.pet_id from staging.stg_supabase_pets as p
    where p._batch_id > p_from_batch and p._batch_id <= p_to_batch
    union
    select w.pet_id from staging.stg_supabase_pet_weights as w
    where w._batch_id > p_from_batch and w._batch_id <= p_to_batch and w.pet_id is not null
    union
    select e.pet_id from staging.stg_supabase_health_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.pet_id is not null
    union
    select t.pet_id from staging.stg_supabase_care_tasks as t
    where t._batch_id > p_from_batch and t._batch_id <= p_to_batch and t.pet_id is not null
    union
    select p.pet_id from staging.stg_supabase_pets as p
    join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
$$;

comment on function warehouse.pets_touched(bigint, bigint) is
    'The pets whose staging rows (pet, weigh-ins, health events, care tasks) or whose owner''s staging row changed in batches '
    '(p_from_batch, p_to_batch]: what the pets marts recompute.';

create function marts.refresh_marts_pets_health_events(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_deleted bigint;
    v_inserted bigint;
    v_result warehouse.refresh_result;
begin
    create temporary table if not exists pets_health_touched (pet_id uuid primary key) on commit drop;
    truncate pg_temp.pets_health_touched;
    insert into pg_temp.pets_health_touched select t.pet_id from warehouse.pets_touched(p_from_batch, p_to_batch) as t;
    get diagnostics v_result.rows_in = row_count;
    analyze pg_temp.pets_health_touched;

    delete from marts.marts_pets_health_events as m using pg_temp.pets_health_touched as t where m.pet_id = t.pet_id;
    get diagnostics v_deleted = row_count;

    insert into marts.marts_pets_health_events (
        health_event_id, pet_id, owner_user_id, species, event_type, event_date, vaccine_name, medication_name, outcome,
        next_due_on, pet_birth_date, pet_age_months, is_overdue_at_time, analytics_opt_out, _dbt_loaded_at
    )
    with events as (
        select e.*
        from staging.stg_supabase_health_events as e
        join pg_temp.pets_health_touched as t on t.pet_id = e.pet_id
        where not e.is_hard_deleted
    ),
    final as (
        select
            e.health_event_id,
            e.pet_id,
            p.owner_user_id,
            p.species,
            e.event_type,
            e.occurred_on,
            e.vaccine_name,
            e.medication_name,
            e.outcome,
            e.next_due_on,
            p.birth_date,
            warehouse.pet_age_months(p.birth_date, e.occurred_on),
            case when e.event_type in ('vaccine', 'medication') then coalesce(e.occurred_on > lag(e.next_due_on) over (
                partition by e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name)
                order by e.occurred_on, e.health_event_id), false)
            else false end,
            coalesce(u.analytics_opt_out, false),
            now()
        from events as e
        join staging.stg_supabase_pets as p on p.pet_id = e.pet_id and not p.is_hard_deleted
        left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    )
    select * from final;
    get diagnostics v_inserted = row_count;

    v_result.rows_out := v_deleted + v_inserted;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_pets_health_events(bigint, bigint) is
    'Model marts_pets_health_events: rebuilds the health events of the pets touched in batches (p_from_batch, p_to_batch]; rows_in counts those pets.';

create function marts.refresh_marts_pets_care_schedule(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_deleted bigint;
    v_inserted bigint;
    v_result warehouse.refresh_result;
begin
    create temporary table if not exists pets_care_touched (pet_id uuid primary key) on commit drop;
    truncate pg_temp.pets_care_touched;
    insert into pg_temp.pets_care_touched select t.pet_id from warehouse.pets_touched(p_from_batch, p_to_batch) as t;
    get diagnostics v_result.rows_in = row_count;
    analyze pg_temp.pets_care_touched;

    delete from marts.marts_pets_care_schedule as m using pg_temp.pets_care_touched as t where m.pet_id = t.pet_id;
    get diagnostics v_deleted = row_count;

    insert into marts.marts_pets_care_schedule (
        care_task_id, pet_id, owner_user_id, species, task_type, due_on, status, reminder_sent, reminder_sent_at,
        reminder_lead_days, completed_at, completed_on_time, days_late, created_at, analytics_opt_out, _dbt_loaded_at
    )
    select
        c.care_task_id,
        c.pet_id,
        p.owner_user_id,
        p.species,
        c.task_type,
        c.due_on,
        c.status,
        c.reminder_sent_at is not null,
        c.reminder_sent_at,
        c.due_on - (c.reminder_sent_at at time zone 'UTC')::date,
        c.completed_at,
        coalesce((c.completed_at at time zone 'UTC')::date <= c.due_on, false),
        case when c.completed_at is not null then greatest((c.completed_at at time zone 'UTC')::date - c.due_on, 0) end,
        c.created_at,
        coalesce(u.analytics_opt_out, false),
        now()
    from staging.stg_supabase_care_tasks as c
    join pg_temp.pets_care_touched as t on t.pet_id = c.pet_id
    join staging.stg_supabase_pets as p on p.pet_id = c.pet_id and not p.is_hard_deleted
    left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    where not c.is_hard_deleted;
    get diagnostics v_inserted = row_count;

    v_result.rows_out := v_deleted + v_inserted;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_pets_care_schedule(bigint, bigint) is
    'Model marts_pets_care_schedule: rebuilds the care tasks of the pets touched in batches (p_from_batch, p_to_batch]; rows_in counts those pets.';

create function marts.refresh_marts_pets_weight_history(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_deleted bigint;
    v_inserted bigint;
    v_result warehouse.refresh_result;
begin
    create temporary table if not exists pets_weight_touched (pet_id uuid primary key) on commit drop;
    truncate pg_temp.pets_weight_touched;
    insert into pg_temp.pets_weight_touched select t.pet_id from warehouse.pets_touched(p_from_batch, p_to_batch) as t;
    get diagnostics v_result.rows_in = row_count;
    analyze pg_temp.pets_weight_touched;

    delete from marts.marts_pets_weight_history as m using pg_temp.pets_weight_touched as t where m.pet_id = t.pet_id;
    get diagnostics v_deleted = row_count;

    insert into marts.marts_pets_weight_history (
        weight_id, pet_id, owner_user_id, species, weighed_on, weight_kg, life_stage, previous_weight_kg,
        previous_weighed_on, change_pct, analytics_opt_out, _dbt_loaded_at
    )
    with weights as (
        select
            w.weight_id, w.pet_id, w.weighed_on, w.weight_kg,
            lag(w.weight_kg) over (partition by w.pet_id order by w.weighed_on, w.weight_id) as previous_weight_kg,
            lag(w.weighed_on) over (partition by w.pet_id order by w.weighed_on, w.weight_id) as previous_weighed_on
        from staging.stg_supabase_pet_weights as w
        join pg_temp.pets_weight_touched as t on t.pet_id = w.pet_id
        where not w.is_hard_deleted
    ),
    final as (
        select
            w.weight_id, w.pet_id, p.owner_user_id, p.species, w.weighed_on, w.weight_kg,
            warehouse.pet_life_stage(p.species, warehouse.pet_age_months(p.birth_date, w.weighed_on)),
            w.previous_weight_kg, w.previous_weighed_on,
            round((w.weight_kg - w.previous_weight_kg) / nullif(w.previous_weight_kg, 0) * 100, 1),
            coalesce(u.analytics_opt_out, false),
            now()
        from weights as w
        join staging.stg_supabase_pets as p on p.pet_id = w.pet_id and not p.is_hard_deleted
        left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    )
    select * from final;
    get diagnostics v_inserted = row_count;

    v_result.rows_out := v_deleted + v_inserted;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_pets_weight_history(bigint, bigint) is
    'Model marts_pets_weight_history: rebuilds the weigh-ins of the pets touched in batches (p_from_batch, p_to_batch]; rows_in counts those pets.';

create function marts.refresh_marts_pets_attention_needed(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_due_window integer := warehouse.metric('pet_vaccine_due_window_days')::integer;
    v_gap_lookback integer := warehouse.metric('pet_medication_gap_lookback_days')::integer;
    v_weight_pct numeric := warehouse.metric('pet_weight_change_pct');
    v_weight_window integer := warehouse.metric('pet_weight_change_window_days')::integer;
    v_previous_date date;
    v_deleted bigint;
    v_inserted bigint;
    v_result warehouse.refresh_result;
begin
    select (s.refreshed_at at time zone 'UTC')::date into v_previous_date
    from warehouse.model_state as s where s.model_name = 'marts_pets_attention_needed';

    -- The pets touched by the batches; and when the date moved since the last run, the pets whose rows
    -- can have changed with it: those already listed (days_overdue grows, rows expire), those with a
    -- dose due date that entered the due window or passed, and those weighed within the window.
    create temporary table if not exists pets_attention_touched (pet_id uuid primary key) on commit drop;
    truncate pg_temp.pets_attention_touched;
    insert into pg_temp.pets_attention_touched
    select t.pet_id from warehouse.pets_touched(p_from_batch, p_to_batch) as t
    union
    select p.pet_id from staging.stg_supabase_pets as p where v_previous_date is null
    union
    select a.pet_id from marts.marts_pets_attention_needed as a where v_previous_date < current_date
    union
    select e.pet_id from staging.stg_supabase_health_events as e
    where v_previous_date < current_date and e.pet_id is not null
      and e.next_due_on between v_previous_date - 1 and current_date + v_due_window + 1
    union
    select w.pet_id from staging.stg_supabase_pet_weights as w
    where v_previous_date < current_date and w.pet_id is not null and w.weighed_on >= current_date - v_weight_window - 1;
    get diagnostics v_result.rows_in = row_count;
    analyze pg_temp.pets_attention_touched;

    delete from marts.marts_pets_attention_needed as m using pg_temp.pets_attention_touched as t where m.pet_id = t.pet_id;
    get diagnostics v_deleted = row_count;

    -- Intermediate sets in analysed temporary tables: the staging tables were just written in this
    -- transaction and have no statistics yet, so CTEs joined several times can get a bad plan.
    create temporary table if not exists pets_attention_pets (
        pet_id uuid primary key, owner_user_id uuid, species varchar(20), age_months integer, analytics_opt_out boolean
    ) on commit drop;
    truncate pg_temp.pets_attention_pets;
    insert into pg_temp.pets_attention_pets
    select p.pet_id, p.owner_user_id, p.species, warehouse.pet_age_months(p.birth_date, current_date),
           coalesce(u.analytics_opt_out, false)
    from staging.stg_supabase_pets as p
    join pg_temp.pets_attention_touched as t on t.pet_id = p.pet_id
    left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    where not p.is_hard_deleted and p.deleted_at is null
      and u.deleted_at is null and not coalesce(u.is_hard_deleted, false);
    analyze pg_temp.pets_attention_pets;

    create temporary table if not exists pets_attention_doses (
        pet_id uuid, event_type varchar(20), subject varchar(100), next_due_on date
    ) on commit drop;
    truncate pg_temp.pets_attention_doses;
    insert into pg_temp.pets_attention_doses
    select distinct on (e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name))
        e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name), e.next_due_on
    from staging.stg_supabase_health_events as e
    join pg_temp.pets_attention_pets as p on p.pet_id = e.pet_id
    where not e.is_hard_deleted and e.event_type in ('vaccine', 'medication')
      and coalesce(e.vaccine_name, e.medication_name) is not null
    order by e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name), e.occurred_on desc,
             e.next_due_on desc nulls last, e.health_event_id;
    analyze pg_temp.pets_attention_doses;

    create temporary table if not exists pets_attention_weights (
        pet_id uuid, weight_id uuid, weighed_on date, weight_kg numeric(6,2), recency bigint
    ) on commit drop;
    truncate pg_temp.pets_attention_weights;
    insert into pg_temp.pets_attention_weights
    select w.pet_id, w.weight_id, w.weighed_on, w.weight_kg,
           row_number() over (partition by w.pet_id order by w.weighed_on desc, w.weight_id)
    from staging.stg_supabase_pet_weights as w
    join pg_temp.pets_attention_pets as p on p.pet_id = w.pet_id
    where not w.is_hard_deleted;
    analyze pg_temp.pets_attention_weights;

    insert into marts.marts_pets_attention_needed (
        pet_id, reason, subject, owner_user_id, species, due_on, days_overdue, weight_change_pct, analytics_opt_out, _dbt_loaded_at
    )
    with pets as (
        select * from pg_temp.pets_attention_pets
    ),
    latest_doses as (
        select * from pg_temp.pets_attention_doses
    ),
    weights as (
        select * from pg_temp.pets_attention_weights
    ),
    latest_weight as (
        select w.* from weights as w where w.recency = 1 and w.weighed_on >= current_date - v_weight_window
    ),
    previous_weight as (
        select distinct on (w.pet_id) w.pet_id, w.weight_kg
        from weights as w
        join latest_weight as l on l.pet_id = w.pet_id
        where w.weighed_on < l.weighed_on and w.weighed_on >= l.weighed_on - v_weight_window
        order by w.pet_id, w.weighed_on desc, w.recency
    ),
    reasons as (
        select d.pet_id, case when d.next_due_on < current_date then 'vaccine_overdue' else 'vaccine_due' end as reason,
               d.subject, d.next_due_on as due_on, greatest(current_date - d.next_due_on, 0) as days_overdue,
               null::numeric as weight_change_pct
        from latest_doses as d
        where d.event_type = 'vaccine' and d.next_due_on <= current_date + v_due_window
        union all
        select d.pet_id, 'medication_gap', d.subject, d.next_due_on, current_date - d.next_due_on, null
        from latest_doses as d
        where d.event_type = 'medication' and d.next_due_on < current_date and d.next_due_on >= current_date - v_gap_lookback
        union all
        select l.pet_id, 'abnormal_weight_change', 'weight', l.weighed_on, 0,
               round((l.weight_kg - pw.weight_kg) / pw.weight_kg * 100, 1)
        from latest_weight as l
        join previous_weight as pw on pw.pet_id = l.pet_id
        join pets as p on p.pet_id = l.pet_id
        where pw.weight_kg > 0 and abs(l.weight_kg - pw.weight_kg) / pw.weight_kg * 100 > v_weight_pct
          and not warehouse.pet_is_growing(p.species, p.age_months)
    ),
    final as (
        select r.pet_id, r.reason, r.subject, p.owner_user_id, p.species, r.due_on, r.days_overdue, r.weight_change_pct,
               p.analytics_opt_out, now()
        from reasons as r
        join pets as p on p.pet_id = r.pet_id
    )
    select * from final;
    get diagnostics v_inserted = row_count;

    v_result.rows_out := v_deleted + v_inserted;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_pets_attention_needed(bigint, bigint) is
    'Model marts_pets_attention_needed: recomputes what needs attention today for the pets touched in batches '
    '(p_from_batch, p_to_batch] and, when the date moved since the last run, for the pets whose due dates or weigh-ins '
    'can have crossed a boundary (rules in warehouse.metric_definitions and pet_life_stage_definitions).';

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
    ('marts_pets_health_events', 'marts', 'marts', 'marts_pets_health_events',
        '{staging.stg_supabase_health_events,staging.stg_supabase_pets,staging.stg_supabase_users,staging.stg_supabase_pet_weights,staging.stg_supabase_care_tasks}',
        'marts.refresh_marts_pets_health_events', 'one row per health event (vet visit, vaccine or medication dose)'),
    ('marts_pets_care_schedule', 'marts', 'marts', 'marts_pets_care_schedule',
        '{staging.stg_supabase_care_tasks,staging.stg_supabase_pets,staging.stg_supabase_users,staging.stg_supabase_pet_weights,staging.stg_supabase_health_events}',
        'marts.refresh_marts_pets_care_schedule', 'one row per scheduled care task'),
    ('marts_pets_weight_history', 'marts', 'marts', 'marts_pets_weight_history',
        '{staging.stg_supabase_pet_weights,staging.stg_supabase_pets,staging.stg_supabase_users,staging.stg_supabase_health_events,staging.stg_supabase_care_tasks}',
        'marts.refresh_marts_pets_weight_history', 'one row per weigh-in'),
    ('marts_pets_attention_needed', 'marts', 'marts', 'marts_pets_attention_needed',
        '{staging.stg_supabase_pets,staging.stg_supabase_users,staging.stg_supabase_health_events,staging.stg_supabase_pet_weights,staging.stg_supabase_care_tasks}',
        'marts.refresh_marts_pets_attention_needed', 'one row per pet per reason per subject needing attention today'),
    ('marts_pets_dim_pets', 'marts', 'marts', 'marts_pets_dim_pets',
        '{staging.stg_supabase_pets,staging.stg_supabase_users,staging.stg_supabase_health_events,staging.stg_supabase_pet_weights,staging.stg_supabase_care_tasks,marts.marts_pets_attention_needed}',
        'marts.refresh_marts_pets_dim_pets', 'one row per pet');

insert into warehouse.model_state (model_name)
select model_name from warehouse.models
where model_name in ('stg_supabase_pets', 'stg_supabase_pet_weights', 'stg_supabase_health_events', 'stg_supabase_care_tasks',
                     'marts_pets_health_events', 'marts_pets_care_schedule', 'marts_pets_weight_history',
                     'marts_pets_attention_needed', 'marts_pets_dim_pets');

-- ---------------------------------------------------------------------------------------------
-- Privacy: row-level security on every mart, erasure through the owner
-- ---------------------------------------------------------------------------------------------

select warehouse.enable_mart_rls(t)
from unnest(array['marts_pets_dim_pets', 'marts_pets_health_events', 'marts_pets_care_schedule', 'marts_pets_weight_history',
                  'marts_pets_attention_needed']) as t;

-- Raw child rows (and their tombstones, which carry the id only) are found through raw pets, so they
-- go first (erase_order 50); raw pets' own tombstones are found through their id.
insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('raw', 'raw_supabase_pets', 'id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1)', 100),
    ('raw', 'raw_supabase_pet_weights',
        'id in (select c.id from raw.raw_supabase_pet_weights as c where c.pet_id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1))', 50),
    ('raw', 'raw_supabase_health_events',
        'id in (select c.id from raw.raw_supabase_health_events as c where c.pet_id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1))', 50),
    ('raw', 'raw_supabase_care_tasks',
        'id in (select c.id from raw.raw_supabase_care_tasks as c where c.pet_id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1))', 50),
    ('staging', 'stg_supabase_pets', 'owner_user_id = $1', 100),
    ('staging', 'stg_supabase_pet_weights', 'owner_user_id = $1', 100),
    ('staging', 'stg_supabase_health_events', 'owner_user_id = $1', 100),
    ('staging', 'stg_supabase_care_tasks', 'owner_user_id = $1', 100),
    ('marts', 'marts_pets_dim_pets', 'owner_user_id = $1', 100),
    ('marts', 'marts_pets_health_events', 'owner_user_id = $1', 100),
    ('marts', 'marts_pets_care_schedule', 'owner_user_id = $1', 100),
    ('marts', 'marts_pets_weight_history', 'owner_user_id = $1', 100),
    ('marts', 'marts_pets_attention_needed', 'owner_user_id = $1', 100);

-- ---------------------------------------------------------------------------------------------
-- Retention
-- ---------------------------------------------------------------------------------------------

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_pets', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted pet versions; older monthly partitions are archived, then dropped.'),
    ('raw', 'raw_supabase_pet_weights', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted weigh-ins; older monthly partitions are archived, then dropped.'),
    ('raw', 'raw_supabase_health_events', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted health events; older monthly partitions are archived, then dropped.'),
    ('raw', 'raw_supabase_care_tasks', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted care tasks; older monthly partitions are archived, then dropped.'),
    ('staging', 'stg_supabase_pet_weights', 'staging', 36, 'delete_rows', 'weighed_on', 'Staging keeps 3 years of weigh-ins.'),
    ('staging', 'stg_supabase_health_events', 'staging', 36, 'delete_rows', 'occurred_on', 'Staging keeps 3 years of health events.'),
    ('staging', 'stg_supabase_care_tasks', 'staging', 36, 'delete_rows', 'due_on', 'Staging keeps 3 years of care tasks, by due date.'),
    ('marts', 'marts_pets_weight_history', 'marts', 60, 'delete_rows', 'weighed_on', 'Marts keep 5 years of weigh-ins.'),
    ('marts', 'marts_pets_health_events', 'marts', 60, 'delete_rows', 'event_date', 'Marts keep 5 years of health events.'),
    ('marts', 'marts_pets_care_schedule', 'marts', 60, 'delete_rows', 'due_on', 'Marts keep 5 years of care tasks, by due date.');

-- ---------------------------------------------------------------------------------------------
-- Quality tests
-- ---------------------------------------------------------------------------------------------

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_pets__pet_id__unique', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'unique', 'pet_id', 'pet_id', '{}', 'error',
        'Each pet appears once in staging.'),
    ('stg_supabase_pets__pet_id__not_null', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'not_null', 'pet_id', null, '{}', 'error',
        'Every staging pet has an id.'),
    ('stg_supabase_pets__owner_user_id__not_null', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'not_null', 'owner_user_id', 'pet_id',
        '{"where": "not is_hard_deleted"}', 'error', 'Every pet has an owner.'),
    ('stg_supabase_pets__species__accepted_values', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'accepted_values', 'species', 'pet_id',
        '{"values": ["dog", "cat", "rabbit", "bird", "other"]}', 'error', 'Species are the five the app offers.'),
    ('stg_supabase_pet_weights__weight_id__unique', 'stg_supabase_pet_weights', 'staging', 'stg_supabase_pet_weights', 'unique', 'weight_id', 'weight_id',
        '{}', 'error', 'Each weigh-in appears once in staging.'),
    ('stg_supabase_pet_weights__weight_id__not_null', 'stg_supabase_pet_weights', 'staging', 'stg_supabase_pet_weights', 'not_null', 'weight_id', null,
        '{}', 'error', 'Every weigh-in has an id.'),
    ('stg_supabase_pet_weights__weight_positive', 'stg_supabase_pet_weights', 'staging', 'stg_supabase_pet_weights', 'expression', null, 'weight_id',
        '{"where": "not is_hard_deleted and weight_kg <= 0"}', 'error', 'Every weight is positive.'),
    ('stg_supabase_health_events__health_event_id__unique', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events', 'unique',
        'health_event_id', 'health_event_id', '{}', 'error', 'Each health event appears once in staging.'),
    ('stg_supabase_health_events__health_event_id__not_null', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events', 'not_null',
        'health_event_id', null, '{}', 'error', 'Every health event has an id.'),
    ('stg_supabase_health_events__event_type__accepted_values', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events',
        'accepted_values', 'event_type', 'health_event_id', '{"values": ["vet_visit", "vaccine", "medication"]}', 'error',
        'Health event types are vet_visit, vaccine and medication.'),
    ('stg_supabase_care_tasks__care_task_id__unique', 'stg_supabase_care_tasks', 'staging', 'stg_supabase_care_tasks', 'unique', 'care_task_id',
        'care_task_id', '{}', 'error', 'Each care task appears once in staging.'),
    ('stg_supabase_care_tasks__care_task_id__not_null', 'stg_supabase_care_tasks', 'staging', 'stg_supabase_care_tasks', 'not_null', 'care_task_id',
        null, '{}', 'error', 'Every care task has an id.'),
    ('stg_supabase_care_tasks__status__accepted_values', 'stg_supabase_care_tasks', 'staging', 'stg_supabase_care_tasks', 'accepted_values', 'status',
        'care_task_id', '{"values": ["scheduled", "completed", "skipped"]}', 'error', 'Care task statuses are scheduled, completed and skipped.'),
    ('stg_supabase_care_tasks__task_type__accepted_values', 'stg_supabase_care_tasks', 'staging', 'stg_supabase_care_tasks', 'accepted_values',
        'task_type', 'care_task_id', '{"values": ["vaccine_due", "medication", "grooming", "vet_checkup", "weigh_in"]}', 'error',
        'Care task types are the five the app schedules.'),
    ('stg_supabase_care_tasks__completed_after_created', 'stg_supabase_care_tasks', 'staging', 'stg_supabase_care_tasks', 'expression', null,
        'care_task_id', '{"where": "not is_hard_deleted and completed_at < created_at"}', 'error', 'No care task is completed before it was created.'),
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
        '{}', 'error', 'Every pet has a health status.'),
    ('marts_pets_health_events__health_event_id__unique', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'unique',
        'health_event_id', 'health_event_id', '{}', 'error', 'One row per health event.'),
    ('marts_pets_health_events__health_event_id__not_null', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'not_null',
        'health_event_id', null, '{}', 'error', 'Every row has a health event.'),
    ('marts_pets_health_events__pet_id__relationships', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'relationships', 'pet_id',
        'health_event_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every health event belongs to a pet of the dimension.'),
    ('marts_pets_health_events__event_type__accepted_values', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'accepted_values',
        'event_type', 'health_event_id', '{"values": ["vet_visit", "vaccine", "medication"]}', 'error',
        'Health event types are vet_visit, vaccine and medication.'),
    ('marts_pets_health_events__no_vaccine_before_birth', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'expression', null,
        'health_event_id', '{"where": "event_type = ''vaccine'' and event_date < pet_birth_date"}', 'error',
        'No vaccine is dated before the pet was born.'),
    ('marts_pets_care_schedule__care_task_id__unique', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'unique', 'care_task_id',
        'care_task_id', '{}', 'error', 'One row per care task.'),
    ('marts_pets_care_schedule__care_task_id__not_null', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'not_null',
        'care_task_id', null, '{}', 'error', 'Every row has a care task.'),
    ('marts_pets_care_schedule__pet_id__relationships', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'relationships', 'pet_id',
        'care_task_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every care task belongs to a pet of the dimension.'),
    ('marts_pets_care_schedule__status__accepted_values', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'accepted_values',
        'status', 'care_task_id', '{"values": ["scheduled", "completed", "skipped"]}', 'error', 'Care task statuses are the defined ones.'),
    ('marts_pets_care_schedule__no_negative_days', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'no_negative', null,
        'care_task_id', '{"columns": ["days_late"]}', 'error', 'Days late are never negative.'),
    ('marts_pets_weight_history__weight_id__unique', 'marts_pets_weight_history', 'marts', 'marts_pets_weight_history', 'unique', 'weight_id',
        'weight_id', '{}', 'error', 'One row per weigh-in.'),
    ('marts_pets_weight_history__weight_id__not_null', 'marts_pets_weight_history', 'marts', 'marts_pets_weight_history', 'not_null', 'weight_id',
        null, '{}', 'error', 'Every row has a weigh-in.'),
    ('marts_pets_weight_history__pet_id__relationships', 'marts_pets_weight_history', 'marts', 'marts_pets_weight_history', 'relationships',
        'pet_id', 'weight_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every weigh-in belongs to a pet of the dimension.'),
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

-- ---------------------------------------------------------------------------------------------
-- Use-case views (the invoker's rights: analysts never count pets of owners who opted out)
-- ---------------------------------------------------------------------------------------------

create view marts.kpi_vaccination_compliance
with (security_invoker = true)
as
with pets as (
    select d.species, d.vaccination_status
    from marts.marts_pets_dim_pets as d
    where d.deleted_at is null
),
final as (
    select
        p.species,
        count(*)::bigint as pet_count,
        (count(*) filter (where p.vaccination_status = 'up_to_date'))::bigint as up_to_date_count,
        (count(*) filter (where p.vaccination_status = 'overdue'))::bigint as overdue_count,
        (count(*) filter (where p.vaccination_status = 'no_record'))::bigint as no_record_count,
        round((count(*) filter (where p.vaccination_status = 'up_to_date'))::numeric / count(*), 4) as up_to_date_share
    from pets as p
    group by p.species
)
select * from final;

comment on view marts.kpi_vaccination_compliance is
    'KPI: vaccination compliance. Grain: one row per species. Pets not deleted; up to date = at least one vaccine on record '
    'and no vaccine''s next dose overdue (marts_pets_dim_pets.vaccination_status).';
comment on column marts.kpi_vaccination_compliance.species is 'The species.';
comment on column marts.kpi_vaccination_compliance.pet_count is 'Pets of the species.';
comment on column marts.kpi_vaccination_compliance.up_to_date_count is 'Pets whose vaccinations are up to date.';
comment on column marts.kpi_vaccination_compliance.overdue_count is 'Pets with a vaccine overdue.';
comment on column marts.kpi_vaccination_compliance.no_record_count is 'Pets with no vaccine on record.';
comment on column marts.kpi_vaccination_compliance.up_to_date_share is 'up_to_date_count / pet_count.';

create view marts.kpi_reminder_effectiveness
with (security_invoker = true)
as
with due as (
    select c.task_type, c.reminder_sent, c.status, c.completed_on_time
    from marts.marts_pets_care_schedule as c
    where c.due_on < current_date
),
final as (
    select
        d.task_type,
        d.reminder_sent,
        count(*)::bigint as tasks_due,
        (count(*) filter (where d.status = 'completed'))::bigint as completed,
        (count(*) filter (where d.completed_on_time))::bigint as completed_on_time,
        (count(*) filter (where d.status = 'skipped'))::bigint as skipped,
        round((count(*) filter (where d.completed_on_time))::numeric / count(*), 4) as on_time_rate
    from due as d
    group by d.task_type, d.reminder_sent
)
select * from final;

comment on view marts.kpi_reminder_effectiveness is
    'KPI: reminder effectiveness. Grain: one row per task type and whether a reminder was sent, over tasks due before today: '
    'how many were completed on time (by the end of the due day) with a reminder and without.';
comment on column marts.kpi_reminder_effectiveness.task_type is 'The care task type.';
comment on column marts.kpi_reminder_effectiveness.reminder_sent is 'Whether a reminder was sent.';
comment on column marts.kpi_reminder_effectiveness.tasks_due is 'Tasks due before today.';
comment on column marts.kpi_reminder_effectiveness.completed is 'Of those, completed (at any time).';
comment on column marts.kpi_reminder_effectiveness.completed_on_time is 'Of those, completed by the end of the due day.';
comment on column marts.kpi_reminder_effectiveness.skipped is 'Of those, skipped.';
comment on column marts.kpi_reminder_effectiveness.on_time_rate is 'completed_on_time / tasks_due.';

create view marts.kpi_weight_trends
with (security_invoker = true)
as
with weighins as (
    select date_trunc('month', w.weighed_on)::date as weigh_month, w.species, w.life_stage, w.pet_id, w.weight_kg
    from marts.marts_pets_weight_history as w
),
final as (
    select
        w.weigh_month,
        w.species,
        w.life_stage,
        count(*)::bigint as weigh_ins,
        count(distinct w.pet_id)::bigint as pets,
        round(avg(w.weight_kg), 2) as avg_weight_kg
    from weighins as w
    group by w.weigh_month, w.species, w.life_stage
)
select * from final;

comment on view marts.kpi_weight_trends is
    'KPI: weight trends. Grain: one row per month, species and life stage (at the weigh-in): average weight.';
comment on column marts.kpi_weight_trends.weigh_month is 'First day of the month of the weigh-ins.';
comment on column marts.kpi_weight_trends.species is 'The species.';
comment on column marts.kpi_weight_trends.life_stage is 'Life stage of the pets when weighed.';
comment on column marts.kpi_weight_trends.weigh_ins is 'Weigh-ins in the month.';
comment on column marts.kpi_weight_trends.pets is 'Distinct pets weighed in the month.';
comment on column marts.kpi_weight_trends.avg_weight_kg is 'Average weight of those weigh-ins, in kilograms.';

select warehouse.revoke_api_access();
