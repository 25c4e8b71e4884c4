create view marts.kpi_lifecycle_movement
with (security_invoker = true)
as
select m.week, m.from_stage::varchar as from_stage, m.to_stage, m.users::bigint as users
from marts.marts_core_lifecycle_movement_weekly as m;

comment on view marts.kpi_lifecycle_movement is
    'KPI: lifecycle movement. Grain: one row per week per (from stage, to stage): how many users moved. Reads the '
    'pre-aggregated mart marts_core_lifecycle_movement_weekly (users who opted out are not counted).';
comment on column marts.kpi_lifecycle_movement.week is 'Monday of the week the pipeline saw the change.';
comment on column marts.kpi_lifecycle_movement.from_stage is 'Stage before ((new) for users new to the warehouse).';
comment on column marts.kpi_lifecycle_movement.to_stage is 'Stage after.';
comment on column marts.kpi_lifecycle_movement.users is 'Users who moved.';
