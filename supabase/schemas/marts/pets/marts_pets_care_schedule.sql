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

create function marts.refresh_marts_pets_care_schedule(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_deleted bigint;
    v_inserted bigint;
    v_result warehouse.refresh_result;
begin
    create temporary table if not exists pets_care_touched (pet_id uuid primary key) on commit drop;
    truncate pg_temp.pets_care_touched;
    insert into pg_temp.pets_care_touched select t.pet_id from warehouse.pets_touched(p_from_batch, p_to_batch) as t;
    get diagnostics v_result.rows_in = row_count;
    analyze pg_temp.pets_care_touched;

    delete from marts.marts_pets_care_schedule as m using pg_temp.pets_care_touched as t where m.pet_id = t.pet_id;
    get diagnostics v_deleted = row_count;

    insert into marts.marts_pets_care_schedule (
        care_task_id, pet_id, owner_user_id, species, task_type, due_on, status, reminder_sent, reminder_sent_at,
        reminder_lead_days, completed_at, completed_on_time, days_late, created_at, analytics_opt_out, _dbt_loaded_at
    )
    select
        c.care_task_id,
        c.pet_id,
        p.owner_user_id,
        p.species,
        c.task_type,
        c.due_on,
        c.status,
        c.reminder_sent_at is not null,
        c.reminder_sent_at,
        c.due_on - (c.reminder_sent_at at time zone 'UTC')::date,
        c.completed_at,
        coalesce((c.completed_at at time zone 'UTC')::date <= c.due_on, false),
        case when c.completed_at is not null then greatest((c.completed_at at time zone 'UTC')::date - c.due_on, 0) end,
        c.created_at,
        coalesce(u.analytics_opt_out, false),
        now()
    from staging.stg_supabase_care_tasks as c
    join pg_temp.pets_care_touched as t on t.pet_id = c.pet_id
    join staging.stg_supabase_pets as p on p.pet_id = c.pet_id and not p.is_hard_deleted
    left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    where not c.is_hard_deleted;
    get diagnostics v_inserted = row_count;

    v_result.rows_out := v_deleted + v_inserted;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_pets_care_schedule(bigint, bigint) is
    'Model marts_pets_care_schedule: rebuilds the care tasks of the pets touched in batches (p_from_batch, p_to_batch]; rows_in counts those pets.';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('marts_pets_care_schedule', 'marts', 'marts', 'marts_pets_care_schedule',
        '{staging.stg_supabase_care_tasks,staging.stg_supabase_pets,staging.stg_supabase_users,staging.stg_supabase_pet_weights,staging.stg_supabase_health_events}',
        'marts.refresh_marts_pets_care_schedule', 'one row per scheduled care task');

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
