-- Full-refresh baseline of marts.marts_pets_care_schedule (supabase/schemas/marts/pets/marts_pets_care_schedule.sql):
-- one row per care task of a pet staging holds, with the reminder's lead time and whether (and how
-- late) the task was completed.
create table bench_full.marts_pets_care_schedule as
with tasks as (
    select * from bench_full.stg_supabase_care_tasks
),
final as (
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
        case when c.completed_at is not null then greatest((c.completed_at at time zone 'UTC')::date - c.due_on, 0) end as days_late,
        c.created_at,
        coalesce(u.analytics_opt_out, false) as analytics_opt_out,
        now() as _dbt_loaded_at
    from tasks as c
    join bench_full.stg_supabase_pets as p on p.pet_id = c.pet_id
    left join bench_full.stg_supabase_users as u on u.user_id = p.owner_user_id
)
select * from final;
