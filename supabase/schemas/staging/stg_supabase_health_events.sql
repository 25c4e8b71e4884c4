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

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_health_events__projection as
select
    r.id as health_event_id,
    r.pet_id,
    o.owner_user_id as owner_user_id,
    r.event_type,
    nullif(btrim(r.vaccine_name), '') as vaccine_name,
    nullif(btrim(r.medication_name), '') as medication_name,
    r.occurred_on,
    r.next_due_on,
    r.outcome,
    r.created_at,
    r.updated_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_health_events as r
left join lateral warehouse.raw_pet_owner(r.pet_id) as o on true;

comment on view staging.stg_supabase_health_events__projection is
    'Model stg_supabase_health_events: each raw version of raw.raw_supabase_health_events as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_health_events__projection', 'staging.stg_supabase_health_events');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_health_events', 'staging', 'staging', 'stg_supabase_health_events', 'merge_scd1', '{health_event_id}', 'staging.stg_supabase_health_events__projection',
    'one row per health event (vet visit, vaccine or medication dose)');

insert into warehouse.model_state (model_name) values ('stg_supabase_health_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('staging', 'stg_supabase_health_events', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_health_events', 'staging', 36, 'delete_rows', 'occurred_on', 'Staging keeps 3 years of health events.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_health_events__health_event_id__unique', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events', 'unique',
        'health_event_id', 'health_event_id', '{}', 'error', 'Each health event appears once in staging.'),
    ('stg_supabase_health_events__health_event_id__not_null', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events', 'not_null',
        'health_event_id', null, '{}', 'error', 'Every health event has an id.'),
    ('stg_supabase_health_events__event_type__accepted_values', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events',
        'accepted_values', 'event_type', 'health_event_id', '{"values": ["vet_visit", "vaccine", "medication"]}', 'error',
        'Health event types are vet_visit, vaccine and medication.');
