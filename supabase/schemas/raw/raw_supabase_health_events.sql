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

select warehouse.prepare_raw_table('raw_supabase_health_events');
create index idx_raw_health_events_pet on raw.raw_supabase_health_events (pet_id);

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

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_health_events', 'public', 'health_events', 'id', 'updated_at', 'raw_supabase_health_events',
        '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
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
    ('supabase_health_events', 'updated_at', 'timestamp with time zone', 'updated_at', null);

select warehouse.prepare_source('supabase_health_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('raw', 'raw_supabase_health_events',
        'id in (select c.id from raw.raw_supabase_health_events as c where c.pet_id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1))', 50);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_health_events', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted health events; older monthly partitions are archived, then dropped.');
