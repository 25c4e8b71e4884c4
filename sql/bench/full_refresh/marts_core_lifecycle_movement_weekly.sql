-- Full-refresh baseline of marts.marts_core_lifecycle_movement_weekly
-- (supabase/schemas/marts/core/aggregates/marts_core_lifecycle_movement_weekly.sql): one row per week
-- (Monday) per (from stage, to stage) with a recorded transition of a user who did not opt out of
-- analytics ((new) for a user's first stage), as the former kpi_lifecycle_movement counted them.
-- The transitions are a history the dimension's post hook records as of each run's day
-- (marts.marts_core_lifecycle_transitions, not a model of the registry): no full refresh can rebuild it
-- from the sources, so the baseline reads that history, as a dbt full refresh reads a snapshot.
create table bench_full.marts_core_lifecycle_movement_weekly as
with transitions as (
    select date_trunc('week', t.changed_on::timestamp)::date as week,
           coalesce(t.from_stage, '(new)') as from_stage,
           t.to_stage
    from marts.marts_core_lifecycle_transitions as t
    where not t.analytics_opt_out
),
final as (
    select
        t.week,
        t.from_stage::varchar(50) as from_stage,
        t.to_stage::varchar(50) as to_stage,
        count(*)::integer as users,
        now() as _dbt_loaded_at
    from transitions as t
    group by t.week, t.from_stage, t.to_stage
)
select * from final;
