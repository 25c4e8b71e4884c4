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

-- Raw tables
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

select warehouse.prepare_raw_table('raw_supabase_pets');

-- Erasure and the staging models find a pet's rows through the pet.
create index idx_raw_pets_owner on raw.raw_supabase_pets (owner_user_id);

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

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_pets', 'public', 'pets', 'id', 'updated_at', 'raw_supabase_pets', 's.owner_user_id');

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
    ('supabase_pets', 'deleted_at', 'timestamp with time zone', 'deleted_at', null);

select warehouse.prepare_source('supabase_pets');

-- A pet's owner as raw knows it now: the newest version of the pet that is not a tombstone. The
-- staging models of the pet's children (weigh-ins, health events, care tasks) carry it.
create function warehouse.raw_pet_owner(p_pet_id uuid)
returns table (owner_user_id uuid)
language sql
stable
begin atomic
    select p.owner_user_id
    from raw.raw_supabase_pets as p
    where p.id = p_pet_id and not p.is_tombstone
    order by p.changed_at desc nulls last, p.batch_id desc
    limit 1;
end;

comment on function warehouse.raw_pet_owner(uuid) is
    'The owner of a pet as raw knows it now (its newest non-tombstone version); no row for an unknown pet.';

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('raw', 'raw_supabase_pets', 'id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1)', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_pets', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted pet versions; older monthly partitions are archived, then dropped.');
