create view marts.kpi_lifecycle_distribution
with (security_invoker = true)
as
select d.lifecycle_stage, count(*)::bigint as user_count,
       round(100.0 * count(*) / sum(count(*)) over (), 2) as pct
from marts.marts_core_dim_users as d
where d.deleted_at is null
group by d.lifecycle_stage;

comment on view marts.kpi_lifecycle_distribution is 'KPI: users per lifecycle stage today (the seed''s example query). Grain: one row per stage.';
comment on column marts.kpi_lifecycle_distribution.lifecycle_stage is 'Stage.';
comment on column marts.kpi_lifecycle_distribution.user_count is 'Users (not deleted) in it.';
comment on column marts.kpi_lifecycle_distribution.pct is 'Share of all such users, percent.';
