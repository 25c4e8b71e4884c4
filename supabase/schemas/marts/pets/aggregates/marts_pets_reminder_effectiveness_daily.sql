-- Model marts_pets_reminder_effectiveness_daily. Grain: one row per due day per task type per whether a
-- reminder was sent. Pre-aggregated care-task outcomes, so that marts.kpi_reminder_effectiveness sums a few
-- rows per day instead of every care task ever due. Counts only the tasks of owners who did not opt out of
-- analytics.
-- Materialized per due day (recompute_keys on due_on). Touched: the due days of the care tasks the batches
-- changed, and every due day of the tasks of a pet whose own row changed (a new owner, a hard delete) or
-- whose owner kpi_recounted_users names (opted out or back in, new, hard-deleted). A task moved to
-- another due day is recounted on its new day only: its old day keeps it until that day is recomputed.

create table marts.marts_pets_reminder_effectiveness_daily (
    due_on date not null,
    task_type varchar(20) not null,
    reminder_sent boolean not null,
    tasks_due integer not null default 0,
    completed integer not null default 0,
    completed_on_time integer not null default 0,
    skipped integer not null default 0,
    _dbt_loaded_at timestamptz default now(),
    primary key (due_on, task_type, reminder_sent)
);

comment on table marts.marts_pets_reminder_effectiveness_daily is
    'Aggregate: care-task outcomes by due day. Grain: one row per due day per task type per whether a reminder was sent '
    '(tasks of owners who opted out of analytics are not counted). Use: reminder effectiveness '
    '(marts.kpi_reminder_effectiveness).';
comment on column marts.marts_pets_reminder_effectiveness_daily.due_on is 'The day the tasks were due.';
comment on column marts.marts_pets_reminder_effectiveness_daily.task_type is 'The care task type.';
comment on column marts.marts_pets_reminder_effectiveness_daily.reminder_sent is 'Whether a reminder was sent.';
comment on column marts.marts_pets_reminder_effectiveness_daily.tasks_due is 'Tasks due that day.';
comment on column marts.marts_pets_reminder_effectiveness_daily.completed is 'Of those, completed (at any time).';
comment on column marts.marts_pets_reminder_effectiveness_daily.completed_on_time is 'Of those, completed by the end of the due day.';
comment on column marts.marts_pets_reminder_effectiveness_daily.skipped is 'Of those, skipped.';
comment on column marts.marts_pets_reminder_effectiveness_daily._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_pets_reminder_effectiveness_daily__touched(p_from_batch bigint, p_to_batch bigint)
returns table (due_on date)
language sql
stable
begin atomic
    with changed_pets as (
        select p.pet_id
        from staging.stg_supabase_pets as p
        where p._batch_id > p_from_batch and p._batch_id <= p_to_batch
        union
        select p.pet_id
        from staging.stg_supabase_pets as p
        join marts.kpi_recounted_users(p_from_batch, p_to_batch) as r on r.user_id = p.owner_user_id
    )
    -- the due days of the care tasks the batches changed
    select c.due_on
    from staging.stg_supabase_care_tasks as c
    where c._batch_id > p_from_batch and c._batch_id <= p_to_batch and c.due_on is not null
    union
    -- every due day of the tasks of a changed pet or of a pet whose owner's counts are recomputed
    select c.due_on
    from staging.stg_supabase_care_tasks as c
    join changed_pets as p on p.pet_id = c.pet_id
    where c.due_on is not null;
end;

comment on function marts.marts_pets_reminder_effectiveness_daily__touched(bigint, bigint) is
    'Model marts_pets_reminder_effectiveness_daily: the due days batches (p_from_batch, p_to_batch] may have changed: those '
    'of each changed care task, and of every task of a changed pet or of a pet whose owner marts.kpi_recounted_users names.';

create function marts.marts_pets_reminder_effectiveness_daily__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_reminder_effectiveness_daily
language sql
stable
begin atomic
    with touched as (
        select distinct t.due_on
        from marts.marts_pets_reminder_effectiveness_daily__touched(p_from_batch, p_to_batch) as t
    ),
    final as (
        select
            c.due_on,
            c.task_type,
            c.reminder_sent,
            count(*)::integer as tasks_due,
            (count(*) filter (where c.status = 'completed'))::integer as completed,
            (count(*) filter (where c.completed_on_time))::integer as completed_on_time,
            (count(*) filter (where c.status = 'skipped'))::integer as skipped,
            now() as _dbt_loaded_at
        from marts.marts_pets_care_schedule as c
        join touched as t on t.due_on = c.due_on
        where not c.analytics_opt_out
        group by c.due_on, c.task_type, c.reminder_sent
    )
    select * from final;
end;

comment on function marts.marts_pets_reminder_effectiveness_daily__rows(bigint, bigint) is
    'Model marts_pets_reminder_effectiveness_daily: the care-task outcomes per task type and reminder of each due day of '
    'marts_pets_reminder_effectiveness_daily__touched (batches p_from_batch, p_to_batch], from marts_pets_care_schedule '
    'without owners who opted out.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_reminder_effectiveness_daily', 'marts', 'marts', 'marts_pets_reminder_effectiveness_daily', 'recompute_keys',
    '{due_on,task_type,reminder_sent}', 'marts.marts_pets_reminder_effectiveness_daily__rows',
    'marts.marts_pets_reminder_effectiveness_daily__touched', '{due_on}', 'one row per due day per task type per reminder sent or not');

insert into warehouse.model_state (model_name) values ('marts_pets_reminder_effectiveness_daily');

select warehouse.enable_aggregate_rls('marts_pets_reminder_effectiveness_daily');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_reminder_effectiveness_daily__pk__unique', 'marts_pets_reminder_effectiveness_daily', 'marts',
        'marts_pets_reminder_effectiveness_daily', 'unique', null, null, '{"columns": ["due_on", "task_type", "reminder_sent"]}', 'error',
        'One row per due day per task type per reminder sent or not.'),
    ('marts_pets_reminder_effectiveness_daily__no_negative_counts', 'marts_pets_reminder_effectiveness_daily', 'marts',
        'marts_pets_reminder_effectiveness_daily', 'no_negative', null, 'due_on',
        '{"columns": ["tasks_due", "completed", "completed_on_time", "skipped"]}', 'error', 'Task counts are never negative.'),
    ('marts_pets_reminder_effectiveness_daily__outcomes_within_due', 'marts_pets_reminder_effectiveness_daily', 'marts',
        'marts_pets_reminder_effectiveness_daily', 'expression', null, 'due_on',
        '{"where": "completed + skipped > tasks_due or completed_on_time > tasks_due"}', 'error',
        'Completed, skipped and on-time tasks are tasks due.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_pets_reminder_effectiveness_daily', 'marts', 60, 'delete_rows', 'due_on',
        'Marts keep 5 years of care-task outcomes, as they keep the care schedule.');
