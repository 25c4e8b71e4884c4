create view marts.kpi_reminder_effectiveness
with (security_invoker = true)
as
with due as (
    select c.task_type, c.reminder_sent, c.status, c.completed_on_time
    from marts.marts_pets_care_schedule as c
    where c.due_on < current_date
),
final as (
    select
        d.task_type,
        d.reminder_sent,
        count(*)::bigint as tasks_due,
        (count(*) filter (where d.status = 'completed'))::bigint as completed,
        (count(*) filter (where d.completed_on_time))::bigint as completed_on_time,
        (count(*) filter (where d.status = 'skipped'))::bigint as skipped,
        round((count(*) filter (where d.completed_on_time))::numeric / count(*), 4) as on_time_rate
    from due as d
    group by d.task_type, d.reminder_sent
)
select * from final;

comment on view marts.kpi_reminder_effectiveness is
    'KPI: reminder effectiveness. Grain: one row per task type and whether a reminder was sent, over tasks due before today: '
    'how many were completed on time (by the end of the due day) with a reminder and without.';
comment on column marts.kpi_reminder_effectiveness.task_type is 'The care task type.';
comment on column marts.kpi_reminder_effectiveness.reminder_sent is 'Whether a reminder was sent.';
comment on column marts.kpi_reminder_effectiveness.tasks_due is 'Tasks due before today.';
comment on column marts.kpi_reminder_effectiveness.completed is 'Of those, completed (at any time).';
comment on column marts.kpi_reminder_effectiveness.completed_on_time is 'Of those, completed by the end of the due day.';
comment on column marts.kpi_reminder_effectiveness.skipped is 'Of those, skipped.';
comment on column marts.kpi_reminder_effectiveness.on_time_rate is 'completed_on_time / tasks_due.';
