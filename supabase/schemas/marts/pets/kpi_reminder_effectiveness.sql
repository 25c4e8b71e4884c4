create view marts.kpi_reminder_effectiveness
with (security_invoker = true)
as
with due as (
    select d.task_type, d.reminder_sent, d.tasks_due, d.completed, d.completed_on_time, d.skipped
    from marts.marts_pets_reminder_effectiveness_daily as d
    where d.due_on < current_date
),
final as (
    select
        d.task_type,
        d.reminder_sent,
        sum(d.tasks_due)::bigint as tasks_due,
        sum(d.completed)::bigint as completed,
        sum(d.completed_on_time)::bigint as completed_on_time,
        sum(d.skipped)::bigint as skipped,
        round(sum(d.completed_on_time)::numeric / sum(d.tasks_due), 4) as on_time_rate
    from due as d
    group by d.task_type, d.reminder_sent
)
select * from final;

comment on view marts.kpi_reminder_effectiveness is
    'KPI: reminder effectiveness. Grain: one row per task type and whether a reminder was sent, over tasks due before today: '
    'how many were completed on time (by the end of the due day) with a reminder and without. Reads the pre-aggregated '
    'mart marts_pets_reminder_effectiveness_daily (tasks of owners who opted out are not counted).';
comment on column marts.kpi_reminder_effectiveness.task_type is 'The care task type.';
comment on column marts.kpi_reminder_effectiveness.reminder_sent is 'Whether a reminder was sent.';
comment on column marts.kpi_reminder_effectiveness.tasks_due is 'Tasks due before today.';
comment on column marts.kpi_reminder_effectiveness.completed is 'Of those, completed (at any time).';
comment on column marts.kpi_reminder_effectiveness.completed_on_time is 'Of those, completed by the end of the due day.';
comment on column marts.kpi_reminder_effectiveness.skipped is 'Of those, skipped.';
comment on column marts.kpi_reminder_effectiveness.on_time_rate is 'completed_on_time / tasks_due.';
