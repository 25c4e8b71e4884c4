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

select warehouse.prepare_raw_table('raw_supabase_care_tasks');
create index idx_raw_care_tasks_pet on raw.raw_supabase_care_tasks (pet_id);

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

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_care_tasks', 'public', 'care_tasks', 'id', 'updated_at', 'raw_supabase_care_tasks',
        '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_care_tasks', 'id', 'uuid', 'id', null),
    ('supabase_care_tasks', 'pet_id', 'uuid', 'pet_id', null),
    ('supabase_care_tasks', 'task_type', 'character varying(20)', 'task_type', null),
    ('supabase_care_tasks', 'due_on', 'date', 'due_on', null),
    ('supabase_care_tasks', 'reminder_sent_at', 'timestamp with time zone', 'reminder_sent_at', null),
    ('supabase_care_tasks', 'completed_at', 'timestamp with time zone', 'completed_at', null),
    ('supabase_care_tasks', 'status', 'character varying(20)', 'status', null),
    ('supabase_care_tasks', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_care_tasks', 'updated_at', 'timestamp with time zone', 'updated_at', null);

select warehouse.prepare_source('supabase_care_tasks');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('raw', 'raw_supabase_care_tasks',
        'id in (select c.id from raw.raw_supabase_care_tasks as c where c.pet_id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1))', 50);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_care_tasks', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted care tasks; older monthly partitions are archived, then dropped.');
