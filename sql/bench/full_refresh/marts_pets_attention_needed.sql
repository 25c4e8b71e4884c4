-- Full-refresh baseline of marts.marts_pets_attention_needed
-- (supabase/schemas/marts/pets/marts_pets_attention_needed.sql): one row per pet per reason per subject
-- needing attention today, for pets and owners not deleted: a vaccine due within the window or overdue
-- (the latest dose of each vaccine), a medication dose missed within the lookback, an abnormal change
-- between the latest weigh-in (within the window of today) and the one before it within the window
-- (not for growing pets). Windows and thresholds: warehouse.metric_definitions.
create table bench_full.marts_pets_attention_needed as
with rules as (
    select
        warehouse.metric('pet_vaccine_due_window_days')::integer as due_window,
        warehouse.metric('pet_medication_gap_lookback_days')::integer as gap_lookback,
        warehouse.metric('pet_weight_change_pct') as weight_pct,
        warehouse.metric('pet_weight_change_window_days')::integer as weight_window
    offset 0
),
pets as (
    select p.pet_id, p.owner_user_id, p.species, warehouse.pet_age_months(p.birth_date, current_date) as age_months,
           coalesce(u.analytics_opt_out, false) as analytics_opt_out
    from bench_full.stg_supabase_pets as p
    left join bench_full.stg_supabase_users as u on u.user_id = p.owner_user_id
    where p.deleted_at is null and u.deleted_at is null
),
latest_doses as (
    select distinct on (e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name))
        e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name) as subject, e.next_due_on
    from bench_full.stg_supabase_health_events as e
    where e.event_type in ('vaccine', 'medication') and coalesce(e.vaccine_name, e.medication_name) is not null
    order by e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name), e.occurred_on desc,
             e.next_due_on desc nulls last, e.health_event_id
),
latest_weighins as (
    select distinct on (w.pet_id) w.pet_id, w.weight_id, w.weighed_on, w.weight_kg
    from bench_full.stg_supabase_pet_weights as w
    order by w.pet_id, w.weighed_on desc, w.weight_id
),
-- the weigh-in before the latest one (by day, then id), when within the window of it
previous_weighins as (
    select distinct on (w.pet_id) w.pet_id, w.weight_kg as previous_weight_kg
    from bench_full.stg_supabase_pet_weights as w
    join latest_weighins as l on l.pet_id = w.pet_id
    cross join rules as k
    where w.weighed_on < l.weighed_on and w.weighed_on >= l.weighed_on - k.weight_window
    order by w.pet_id, w.weighed_on desc, w.weight_id
),
weight_changes as (
    select l.pet_id, l.weighed_on as latest_weighed_on, l.weight_kg as latest_weight_kg, pw.previous_weight_kg
    from latest_weighins as l
    join previous_weighins as pw on pw.pet_id = l.pet_id
    cross join rules as k
    where l.weighed_on >= current_date - k.weight_window
),
reasons as (
    select d.pet_id, case when d.next_due_on < current_date then 'vaccine_overdue' else 'vaccine_due' end as reason,
           d.subject, d.next_due_on as due_on, greatest(current_date - d.next_due_on, 0) as days_overdue,
           null::numeric as weight_change_pct
    from latest_doses as d
    cross join rules as k
    where d.event_type = 'vaccine' and d.next_due_on <= current_date + k.due_window
    union all
    select d.pet_id, 'medication_gap', d.subject, d.next_due_on, current_date - d.next_due_on, null
    from latest_doses as d
    cross join rules as k
    where d.event_type = 'medication' and d.next_due_on < current_date and d.next_due_on >= current_date - k.gap_lookback
    union all
    select c.pet_id, 'abnormal_weight_change', 'weight', c.latest_weighed_on, 0,
           round((c.latest_weight_kg - c.previous_weight_kg) / c.previous_weight_kg * 100, 1)
    from weight_changes as c
    join pets as p on p.pet_id = c.pet_id
    cross join rules as k
    where c.previous_weight_kg > 0
      and abs(c.latest_weight_kg - c.previous_weight_kg) / c.previous_weight_kg * 100 > k.weight_pct
      and not warehouse.pet_is_growing(p.species, p.age_months)
),
final as (
    select
        r.pet_id,
        r.reason::varchar(30) as reason,
        r.subject::varchar(100) as subject,
        p.owner_user_id,
        p.species,
        r.due_on,
        r.days_overdue,
        r.weight_change_pct::numeric(8,1) as weight_change_pct,
        p.analytics_opt_out,
        now() as _dbt_loaded_at
    from reasons as r
    join pets as p on p.pet_id = r.pet_id
)
select * from final;
