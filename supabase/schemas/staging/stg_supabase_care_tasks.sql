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

create function staging.refresh_stg_supabase_care_tasks(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_result warehouse.refresh_result;
begin
    with new_versions as (
        select distinct on (r.id) r.*
        from raw.raw_supabase_care_tasks as r
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
        insert into staging.stg_supabase_care_tasks as s (
            care_task_id, pet_id, owner_user_id, task_type, due_on, reminder_sent_at, completed_at, status, created_at,
            updated_at, _changed_at, _batch_id, _dbt_loaded_at
        )
        select
            v.id, v.pet_id, o.owner_user_id, v.task_type, v.due_on, v.reminder_sent_at, v.completed_at, v.status,
            v.created_at, v.updated_at, v.changed_at, v.batch_id, now()
        from new_versions as v
        left join owners as o on o.pet_id = v.pet_id
        where not v.is_tombstone
        on conflict (care_task_id) do update
        set pet_id = excluded.pet_id,
            owner_user_id = excluded.owner_user_id,
            task_type = excluded.task_type,
            due_on = excluded.due_on,
            reminder_sent_at = excluded.reminder_sent_at,
            completed_at = excluded.completed_at,
            status = excluded.status,
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
        update staging.stg_supabase_care_tasks as s
        set is_hard_deleted = true, hard_deleted_at = v.changed_at, _changed_at = v.changed_at,
            _batch_id = v.batch_id, _dbt_loaded_at = now()
        from new_versions as v
        where v.is_tombstone and s.care_task_id = v.id and (s._changed_at is null or v.changed_at >= s._changed_at)
        returning 1
    )
    select (select count(*) from new_versions), (select count(*) from merged) + (select count(*) from tombstoned)
    into v_result.rows_in, v_result.rows_out;
    return v_result;
end;
$$;

comment on function staging.refresh_stg_supabase_care_tasks(bigint, bigint) is
    'Model stg_supabase_care_tasks: merges the newest raw version of each care task in batches (p_from_batch, p_to_batch], with the pet''s owner.';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('stg_supabase_care_tasks', 'staging', 'staging', 'stg_supabase_care_tasks', '{raw.raw_supabase_care_tasks,raw.raw_supabase_pets}',
        'staging.refresh_stg_supabase_care_tasks', 'one row per scheduled care task');

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
