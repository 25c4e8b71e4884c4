-- Staging tables
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

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_pets__projection as
select
    r.id as pet_id,
    r.owner_user_id,
    r.species,
    nullif(btrim(r.breed), '') as breed,
    r.birth_date,
    warehouse.pet_age_months(r.birth_date, current_date) as age_months_at_load,
    r.sex,
    r.is_neutered,
    r.created_at,
    r.updated_at,
    r.deleted_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_pets as r;

comment on view staging.stg_supabase_pets__projection is
    'Model stg_supabase_pets: each raw version of raw.raw_supabase_pets as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_pets__projection', 'staging.stg_supabase_pets');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_pets', 'staging', 'staging', 'stg_supabase_pets', 'merge_scd1', '{pet_id}', 'staging.stg_supabase_pets__projection',
    'one row per pet');

insert into warehouse.model_state (model_name) values ('stg_supabase_pets');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('staging', 'stg_supabase_pets', 'owner_user_id = $1', 100);

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_pets__pet_id__unique', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'unique', 'pet_id', 'pet_id', '{}', 'error',
        'Each pet appears once in staging.'),
    ('stg_supabase_pets__pet_id__not_null', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'not_null', 'pet_id', null, '{}', 'error',
        'Every staging pet has an id.'),
    ('stg_supabase_pets__owner_user_id__not_null', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'not_null', 'owner_user_id', 'pet_id',
        '{"where": "not is_hard_deleted"}', 'error', 'Every pet has an owner.'),
    ('stg_supabase_pets__species__accepted_values', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'accepted_values', 'species', 'pet_id',
        '{"values": ["dog", "cat", "rabbit", "bird", "other"]}', 'error', 'Species are the five the app offers.');
