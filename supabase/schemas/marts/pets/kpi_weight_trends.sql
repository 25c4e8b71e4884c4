create view marts.kpi_weight_trends
with (security_invoker = true)
as
select
    w.weigh_month,
    w.species,
    w.life_stage,
    w.weigh_ins::bigint as weigh_ins,
    w.pets::bigint as pets,
    round(w.total_weight_kg / w.weigh_ins, 2) as avg_weight_kg
from marts.marts_pets_weight_trends_monthly as w;

comment on view marts.kpi_weight_trends is
    'KPI: weight trends. Grain: one row per month, species and life stage (at the weigh-in): average weight. Reads the '
    'pre-aggregated mart marts_pets_weight_trends_monthly (pets of owners who opted out are not counted).';
comment on column marts.kpi_weight_trends.weigh_month is 'First day of the month of the weigh-ins.';
comment on column marts.kpi_weight_trends.species is 'The species.';
comment on column marts.kpi_weight_trends.life_stage is 'Life stage of the pets when weighed.';
comment on column marts.kpi_weight_trends.weigh_ins is 'Weigh-ins in the month.';
comment on column marts.kpi_weight_trends.pets is 'Distinct pets weighed in the month.';
comment on column marts.kpi_weight_trends.avg_weight_kg is 'Average weight of those weigh-ins, in kilograms.';
