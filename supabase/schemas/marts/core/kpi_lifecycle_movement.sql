create view marts.kpi_lifecycle_movement
with (security_invoker = true)
as
select
    date_trunc('week', t.changed_on)::date as week,
    coalesce(t.from_stage, '(new)') as from_stage,
    t.to_stage,
    count(*)::bigint as users
from marts.marts_core_lifecycle_transitions as t
group by 1, 2, 3;

comment on view marts.kpi_lifecycle_movement is
    'KPI: lifecycle movement. Grain: one row per week per (from stage, to stage): how many users moved.';
comment on column marts.kpi_lifecycle_movement.week is 'Monday of the week the pipeline saw the change.';
comment on column marts.kpi_lifecycle_movement.from_stage is 'Stage before ((new) for users new to the warehouse).';
comment on column marts.kpi_lifecycle_movement.to_stage is 'Stage after.';
comment on column marts.kpi_lifecycle_movement.users is 'Users who moved.';
