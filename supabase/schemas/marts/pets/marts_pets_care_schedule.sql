-- Model marts_pets_care_schedule. Grain: one row per scheduled care task.
-- Materialized per pet (recompute_keys on pet_id): the pets a batch touched (marts.pets_touched) have
-- all their care tasks recomputed from staging (a new owner or an opt-out follows); a hard-deleted
-- task or pet has none.

create table marts.marts_pets_care_schedule (
    care_task_id uuid primary key,
    pet_id uuid not null,
    owner_user_id uuid not null,
    species varchar(20),
    task_type varchar(20) not null,
    due_on date,
    status varchar(20),
    reminder_sent boolean not null default false,
    reminder_sent_at timestamptz,
    reminder_lead_days integer,
    completed_at timestamptz,
    completed_on_time boolean not null default false,
    days_late integer,
    created_at timestamptz,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_pets_care_schedule_pet on marts.marts_pets_care_schedule (pet_id, due_on);
create index idx_marts_pets_care_schedule_due on marts.marts_pets_care_schedule (due_on);

comment on table marts.marts_pets_care_schedule is
    'Fact: pet care tasks. Grain: one row per scheduled care task. Use: reminder effectiveness, care compliance.';
comment on column marts.marts_pets_care_schedule.care_task_id is 'The care task.';
comment on column marts.marts_pets_care_schedule.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_care_schedule.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_care_schedule.species is 'The pet''s species.';
comment on column marts.marts_pets_care_schedule.task_type is 'vaccine_due, medication, grooming, vet_checkup or weigh_in.';
comment on column marts.marts_pets_care_schedule.due_on is 'Day the task is due.';
comment on column marts.marts_pets_care_schedule.status is 'scheduled, completed or skipped.';
comment on column marts.marts_pets_care_schedule.reminder_sent is 'A reminder was sent.';
comment on column marts.marts_pets_care_schedule.reminder_sent_at is 'When the reminder was sent.';
comment on column marts.marts_pets_care_schedule.reminder_lead_days is 'Days from the reminder (UTC date) to due_on.';
comment on column marts.marts_pets_care_schedule.completed_at is 'When the task was marked done.';
comment on column marts.marts_pets_care_schedule.completed_on_time is 'Completed by the end of due_on (UTC).';
comment on column marts.marts_pets_care_schedule.days_late is 'For completed tasks: days after due_on (0 when on time); NULL otherwise.';
comment on column marts.marts_pets_care_schedule.created_at is 'When the task was scheduled.';
comment on column marts.marts_pets_care_schedule.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_care_schedule._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation: the touched function is the shared marts.pets_touched (marts_pets__touched.sql).
create function marts.marts_pets_care_schedule__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_care_schedule
language sql
stable
begin atomic
    select
        c.care_task_id,
        c.pet_id,
        p.owner_user_id,
        p.species,
        c.task_type,
        c.due_on,
        c.status,
        c.reminder_sent_at is not null as reminder_sent,
        c.reminder_sent_at,
        c.due_on - (c.reminder_sent_at at time zone 'UTC')::date as reminder_lead_days,
        c.completed_at,
        coalesce((c.completed_at at time zone 'UTC')::date <= c.due_on, false) as completed_on_time,
        (case when c.completed_at is not null then greatest((c.completed_at at time zone 'UTC')::date - c.due_on, 0) end) as days_late,
        c.created_at,
        coalesce(u.analytics_opt_out, false) as analytics_opt_out,
        now() as _dbt_loaded_at
    from staging.stg_supabase_care_tasks as c
    join marts.pets_touched(p_from_batch, p_to_batch) as t on t.pet_id = c.pet_id
    join staging.stg_supabase_pets as p on p.pet_id = c.pet_id and not p.is_hard_deleted
    left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    where not c.is_hard_deleted;
end;

comment on function marts.marts_pets_care_schedule__rows(bigint, bigint) is
    'Model marts_pets_care_schedule: the mart rows of every care task of the pets touched in batches '
    '(p_from_batch, p_to_batch] (marts.pets_touched), computed from staging; hard-deleted tasks and pets have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_care_schedule', 'marts', 'marts', 'marts_pets_care_schedule', 'recompute_keys', '{care_task_id}',
    'marts.marts_pets_care_schedule__rows', 'marts.pets_touched', '{pet_id}', 'one row per scheduled care task');

insert into warehouse.model_state (model_name) values ('marts_pets_care_schedule');

select warehouse.enable_mart_rls('marts_pets_care_schedule');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('marts', 'marts_pets_care_schedule', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_pets_care_schedule', 'marts', 60, 'delete_rows', 'due_on', 'Marts keep 5 years of care tasks, by due date.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_care_schedule__care_task_id__unique', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'unique', 'care_task_id',
        'care_task_id', '{}', 'error', 'One row per care task.'),
    ('marts_pets_care_schedule__care_task_id__not_null', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'not_null',
        'care_task_id', null, '{}', 'error', 'Every row has a care task.'),
    ('marts_pets_care_schedule__pet_id__relationships', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'relationships', 'pet_id',
        'care_task_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every care task belongs to a pet of the dimension.'),
    ('marts_pets_care_schedule__status__accepted_values', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'accepted_values',
        'status', 'care_task_id', '{"values": ["scheduled", "completed", "skipped"]}', 'error', 'Care task statuses are the defined ones.'),
    ('marts_pets_care_schedule__no_negative_days', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'no_negative', null,
        'care_task_id', '{"columns": ["days_late"]}', 'error', 'Days late are never negative.');
