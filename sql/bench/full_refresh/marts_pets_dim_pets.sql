-- Full-refresh baseline of marts.marts_pets_dim_pets (supabase/schemas/marts/pets/marts_pets_dim_pets.sql):
-- one row per pet (soft-deleted ones keep deleted_at) with today's age and life stage, vaccination
-- status from the latest dose of each vaccine, health status from the baseline's
-- marts_pets_attention_needed (built before this model), and the latest weigh-in.
create table bench_full.marts_pets_dim_pets as
with pets as (
    select * from bench_full.stg_supabase_pets
),
events as (
    select e.pet_id, e.event_type, e.vaccine_name, e.occurred_on, e.next_due_on, e.health_event_id
    from bench_full.stg_supabase_health_events as e
),
latest_vaccine_doses as (
    select distinct on (e.pet_id, e.vaccine_name) e.pet_id, e.next_due_on
    from events as e
    where e.event_type = 'vaccine' and e.vaccine_name is not null
    order by e.pet_id, e.vaccine_name, e.occurred_on desc, e.next_due_on desc nulls last, e.health_event_id
),
vaccines as (
    select d.pet_id, min(d.next_due_on) as next_vaccine_due_on
    from latest_vaccine_doses as d
    group by d.pet_id
),
event_summary as (
    select e.pet_id,
           count(*) filter (where e.event_type = 'vaccine')::integer as vaccine_doses,
           max(e.occurred_on) filter (where e.event_type = 'vet_visit') as last_vet_visit_on
    from events as e
    group by e.pet_id
),
latest_weight as (
    select distinct on (w.pet_id) w.pet_id, w.weight_kg, w.weighed_on
    from bench_full.stg_supabase_pet_weights as w
    order by w.pet_id, w.weighed_on desc, w.weight_id
),
attention as (
    select distinct a.pet_id from bench_full.marts_pets_attention_needed as a
),
computed as (
    select
        p.pet_id, p.owner_user_id, p.species, p.breed, p.sex, p.is_neutered, p.birth_date,
        warehouse.pet_age_months(p.birth_date, current_date) as age_months,
        case
            when coalesce(s.vaccine_doses, 0) = 0 then 'no_record'
            when v.next_vaccine_due_on < current_date then 'overdue'
            else 'up_to_date'
        end as vaccination_status,
        a.pet_id is not null as needs_attention,
        coalesce(s.vaccine_doses, 0) as vaccine_doses,
        v.next_vaccine_due_on,
        s.last_vet_visit_on,
        w.weight_kg as latest_weight_kg,
        w.weighed_on as latest_weighed_on,
        p.created_at,
        p.deleted_at,
        coalesce(u.analytics_opt_out, false) as analytics_opt_out
    from pets as p
    left join event_summary as s on s.pet_id = p.pet_id
    left join vaccines as v on v.pet_id = p.pet_id
    left join latest_weight as w on w.pet_id = p.pet_id
    left join attention as a on a.pet_id = p.pet_id
    left join bench_full.stg_supabase_users as u on u.user_id = p.owner_user_id
),
final as (
    select
        c.pet_id,
        c.owner_user_id,
        c.species,
        c.breed,
        c.sex,
        c.is_neutered,
        c.birth_date,
        c.age_months,
        c.age_months / 12 as age_years,
        warehouse.pet_life_stage(c.species, c.age_months) as life_stage,
        c.vaccination_status::varchar(20) as vaccination_status,
        (case
            when c.vaccination_status = 'overdue' then 'vaccine_overdue'
            when c.needs_attention then 'needs_attention'
            else 'up_to_date'
        end)::varchar(20) as health_status,
        c.vaccine_doses,
        c.next_vaccine_due_on,
        c.last_vet_visit_on,
        c.latest_weight_kg,
        c.latest_weighed_on,
        c.created_at,
        c.deleted_at,
        c.analytics_opt_out,
        now() as _dbt_loaded_at
    from computed as c
)
select * from final;
