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

-- Staging models: the newest version per key among the new batches, merged in (SCD1), as for the
-- core sources. The child tables carry the pet's owner, looked up in raw pets (the newest version of
-- the pet that is not a tombstone), so that staging models read raw only.
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

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('stg_supabase_pets', 'staging', 'staging', 'stg_supabase_pets', '{raw.raw_supabase_pets}',
        'staging.refresh_stg_supabase_pets', 'one row per pet');

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
