-- Full-refresh baseline of marts.marts_pets_reminder_effectiveness_daily
-- (supabase/schemas/marts/pets/aggregates/marts_pets_reminder_effectiveness_daily.sql): one row per due
-- day per task type per whether a reminder was sent, counting the care tasks of the baseline's
-- marts_pets_care_schedule whose owner did not opt out of analytics: due, completed (at any time),
-- completed by the end of the due day, skipped (the former kpi_reminder_effectiveness, by due day, over
-- every due day).
create table bench_full.marts_pets_reminder_effectiveness_daily as
with tasks as (
    select c.due_on, c.task_type, c.reminder_sent, c.status, c.completed_on_time
    from bench_full.marts_pets_care_schedule as c
    where c.due_on is not null and not c.analytics_opt_out
),
final as (
    select
        t.due_on,
        t.task_type::varchar(20) as task_type,
        t.reminder_sent,
        count(*)::integer as tasks_due,
        (count(*) filter (where t.status = 'completed'))::integer as completed,
        (count(*) filter (where t.completed_on_time))::integer as completed_on_time,
        (count(*) filter (where t.status = 'skipped'))::integer as skipped,
        now() as _dbt_loaded_at
    from tasks as t
    group by t.due_on, t.task_type, t.reminder_sent
)
select * from final;
