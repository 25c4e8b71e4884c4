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

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('stg_supabase_pet_weights', 'staging', 'staging', 'stg_supabase_pet_weights', '{raw.raw_supabase_pet_weights,raw.raw_supabase_pets}',
        'staging.refresh_stg_supabase_pet_weights', 'one row per weigh-in');

insert into warehouse.model_state (model_name) values ('stg_supabase_pet_weights');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('staging', 'stg_supabase_pet_weights', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_pet_weights', 'staging', 36, 'delete_rows', 'weighed_on', 'Staging keeps 3 years of weigh-ins.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_pet_weights__weight_id__unique', 'stg_supabase_pet_weights', 'staging', 'stg_supabase_pet_weights', 'unique', 'weight_id', 'weight_id',
        '{}', 'error', 'Each weigh-in appears once in staging.'),
    ('stg_supabase_pet_weights__weight_id__not_null', 'stg_supabase_pet_weights', 'staging', 'stg_supabase_pet_weights', 'not_null', 'weight_id', null,
        '{}', 'error', 'Every weigh-in has an id.'),
    ('stg_supabase_pet_weights__weight_positive', 'stg_supabase_pet_weights', 'staging', 'stg_supabase_pet_weights', 'expression', null, 'weight_id',
        '{"where": "not is_hard_deleted and weight_kg <= 0"}', 'error', 'Every weight is positive.');
