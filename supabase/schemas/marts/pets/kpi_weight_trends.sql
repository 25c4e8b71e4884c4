create view marts.kpi_weight_trends
with (security_invoker = true)
as
with weighins as (
    select date_trunc('month', w.weighed_on)::date as weigh_month, w.species, w.life_stage, w.pet_id, w.weight_kg
    from marts.marts_pets_weight_history as w
),
final as (
    select
        w.weigh_month,
        w.species,
        w.life_stage,
        count(*)::bigint as weigh_ins,
        count(distinct w.pet_id)::bigint as pets,
        round(avg(w.weight_kg), 2) as avg_weight_kg
    from weighins as w
    group by w.weigh_month, w.species, w.life_stage
)
select * from final;

comment on view marts.kpi_weight_trends is
    'KPI: weight trends. Grain: one row per month, species and life stage (at the weigh-in): average weight.';
comment on column marts.kpi_weight_trends.weigh_month is 'First day of the month of the weigh-ins.';
comment on column marts.kpi_weight_trends.species is 'The species.';
comment on column marts.kpi_weight_trends.life_stage is 'Life stage of the pets when weighed.';
comment on column marts.kpi_weight_trends.weigh_ins is 'Weigh-ins in the month.';
comment on column marts.kpi_weight_trends.pets is 'Distinct pets weighed in the month.';
comment on column marts.kpi_weight_trends.avg_weight_kg is 'Average weight of those weigh-ins, in kilograms.';
