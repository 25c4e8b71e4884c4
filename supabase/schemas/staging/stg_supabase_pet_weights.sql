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

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_pet_weights__projection as
select
    r.id as weight_id,
    r.pet_id,
    o.owner_user_id as owner_user_id,
    r.weighed_on,
    r.weight_kg,
    r.created_at,
    r.updated_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_pet_weights as r
left join lateral warehouse.raw_pet_owner(r.pet_id) as o on true;

comment on view staging.stg_supabase_pet_weights__projection is
    'Model stg_supabase_pet_weights: each raw version of raw.raw_supabase_pet_weights as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_pet_weights__projection', 'staging.stg_supabase_pet_weights');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_pet_weights', 'staging', 'staging', 'stg_supabase_pet_weights', 'merge_scd1', '{weight_id}', 'staging.stg_supabase_pet_weights__projection',
    'one row per weigh-in');

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
