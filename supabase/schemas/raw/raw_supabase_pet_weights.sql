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

select warehouse.prepare_raw_table('raw_supabase_pet_weights');
create index idx_raw_pet_weights_pet on raw.raw_supabase_pet_weights (pet_id);

comment on table raw.raw_supabase_pet_weights is
    'Raw weigh-ins: one row per extracted version of a weigh-in (public.pet_weights), append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_pet_weights.id is 'Weigh-in id.';
comment on column raw.raw_supabase_pet_weights.pet_id is 'The pet weighed.';
comment on column raw.raw_supabase_pet_weights.weighed_on is 'Day of the weigh-in.';
comment on column raw.raw_supabase_pet_weights.weight_kg is 'Weight in kilograms.';
comment on column raw.raw_supabase_pet_weights.created_at is 'When the source row was written.';
comment on column raw.raw_supabase_pet_weights.updated_at is 'Source change time (the change-tracking column).';

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_pet_weights', 'public', 'pet_weights', 'id', 'updated_at', 'raw_supabase_pet_weights',
        '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_pet_weights', 'id', 'uuid', 'id', null),
    ('supabase_pet_weights', 'pet_id', 'uuid', 'pet_id', null),
    ('supabase_pet_weights', 'weighed_on', 'date', 'weighed_on', null),
    ('supabase_pet_weights', 'weight_kg', 'numeric(6,2)', 'weight_kg', null),
    ('supabase_pet_weights', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_pet_weights', 'updated_at', 'timestamp with time zone', 'updated_at', null);

select warehouse.prepare_source('supabase_pet_weights');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('raw', 'raw_supabase_pet_weights',
        'id in (select c.id from raw.raw_supabase_pet_weights as c where c.pet_id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1))', 50);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_pet_weights', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted weigh-ins; older monthly partitions are archived, then dropped.');
