-- Full-refresh baseline of marts.marts_pets_weight_history (supabase/schemas/marts/pets/marts_pets_weight_history.sql):
-- one row per weigh-in of a pet staging holds, with the life stage on the day and the change from the
-- previous weigh-in (by day, then id).
create table bench_full.marts_pets_weight_history as
with weights as (
    select
        w.weight_id, w.pet_id, w.weighed_on, w.weight_kg,
        lag(w.weight_kg) over (partition by w.pet_id order by w.weighed_on, w.weight_id) as previous_weight_kg,
        lag(w.weighed_on) over (partition by w.pet_id order by w.weighed_on, w.weight_id) as previous_weighed_on
    from bench_full.stg_supabase_pet_weights as w
),
final as (
    select
        w.weight_id,
        w.pet_id,
        p.owner_user_id,
        p.species,
        w.weighed_on,
        w.weight_kg,
        warehouse.pet_life_stage(p.species, warehouse.pet_age_months(p.birth_date, w.weighed_on)) as life_stage,
        w.previous_weight_kg,
        w.previous_weighed_on,
        round((w.weight_kg - w.previous_weight_kg) / nullif(w.previous_weight_kg, 0) * 100, 1)::numeric(8,1) as change_pct,
        coalesce(u.analytics_opt_out, false) as analytics_opt_out,
        now() as _dbt_loaded_at
    from weights as w
    join bench_full.stg_supabase_pets as p on p.pet_id = w.pet_id
    left join bench_full.stg_supabase_users as u on u.user_id = p.owner_user_id
)
select * from final;
