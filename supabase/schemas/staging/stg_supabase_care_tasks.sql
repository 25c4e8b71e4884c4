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

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_care_tasks__projection as
select
    r.id as care_task_id,
    r.pet_id,
    o.owner_user_id as owner_user_id,
    r.task_type,
    r.due_on,
    r.reminder_sent_at,
    r.completed_at,
    r.status,
    r.created_at,
    r.updated_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_care_tasks as r
left join lateral warehouse.raw_pet_owner(r.pet_id) as o on true;

comment on view staging.stg_supabase_care_tasks__projection is
    'Model stg_supabase_care_tasks: each raw version of raw.raw_supabase_care_tasks as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_care_tasks__projection', 'staging.stg_supabase_care_tasks');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_care_tasks', 'staging', 'staging', 'stg_supabase_care_tasks', 'merge_scd1', '{care_task_id}', 'staging.stg_supabase_care_tasks__projection',
    'one row per scheduled care task');

insert into warehouse.model_state (model_name) values ('stg_supabase_care_tasks');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('staging', 'stg_supabase_care_tasks', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_care_tasks', 'staging', 36, 'delete_rows', 'due_on', 'Staging keeps 3 years of care tasks, by due date.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
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
        'care_task_id', '{"where": "not is_hard_deleted and completed_at < created_at"}', 'error', 'No care task is completed before it was created.');
