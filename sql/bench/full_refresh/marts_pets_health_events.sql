-- Full-refresh baseline of marts.marts_pets_health_events (supabase/schemas/marts/pets/marts_pets_health_events.sql):
-- one row per health event of a pet staging holds, with the pet's age on the day and whether a dose
-- came after the due date the previous dose of the same vaccine or medication had set.
create table bench_full.marts_pets_health_events as
with events as (
    select * from bench_full.stg_supabase_health_events
),
final as (
    select
        e.health_event_id,
        e.pet_id,
        p.owner_user_id,
        p.species,
        e.event_type,
        e.occurred_on as event_date,
        e.vaccine_name,
        e.medication_name,
        e.outcome,
        e.next_due_on,
        p.birth_date as pet_birth_date,
        warehouse.pet_age_months(p.birth_date, e.occurred_on) as pet_age_months,
        case when e.event_type in ('vaccine', 'medication') then coalesce(e.occurred_on > lag(e.next_due_on) over (
            partition by e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name)
            order by e.occurred_on, e.health_event_id), false)
        else false end as is_overdue_at_time,
        coalesce(u.analytics_opt_out, false) as analytics_opt_out,
        now() as _dbt_loaded_at
    from events as e
    join bench_full.stg_supabase_pets as p on p.pet_id = e.pet_id
    left join bench_full.stg_supabase_users as u on u.user_id = p.owner_user_id
)
select * from final;
