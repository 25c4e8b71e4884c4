-- Full-refresh baseline of marts.marts_pets_weight_trends_monthly
-- (supabase/schemas/marts/pets/aggregates/marts_pets_weight_trends_monthly.sql): one row per month per
-- species per life stage at the weigh-in with weigh-ins of the baseline's marts_pets_weight_history of
-- pets whose owner did not opt out of analytics: weigh-ins, distinct pets and the sum of the weights
-- (the former kpi_weight_trends, with the average's numerator instead of the average).
create table bench_full.marts_pets_weight_trends_monthly as
with weighins as (
    select date_trunc('month', w.weighed_on::timestamp)::date as weigh_month, w.species, w.life_stage, w.pet_id, w.weight_kg
    from bench_full.marts_pets_weight_history as w
    where w.weighed_on is not null and not w.analytics_opt_out
),
final as (
    select
        w.weigh_month,
        w.species::varchar(20) as species,
        w.life_stage::varchar(20) as life_stage,
        count(*)::integer as weigh_ins,
        count(distinct w.pet_id)::integer as pets,
        sum(w.weight_kg)::numeric as total_weight_kg,
        now() as _dbt_loaded_at
    from weighins as w
    group by w.weigh_month, w.species, w.life_stage
)
select * from final;
