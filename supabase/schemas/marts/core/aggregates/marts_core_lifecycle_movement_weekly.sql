-- Model marts_core_lifecycle_movement_weekly. Grain: one row per week per (from stage, to stage) with a
-- transition. Pre-aggregated lifecycle movement, so that marts.kpi_lifecycle_movement reads a few rows per
-- week instead of counting every transition ever recorded. Counts only users who did not opt out of analytics.
-- Materialized per week (recompute_keys on week). Touched: the weeks of the transitions marts_core_dim_users
-- recorded since this model was last refreshed (marts.kpi_transitions_recorded_since; every week on its first
-- run), and every week with a transition of a user kpi_recounted_users names (the dimension's post hook
-- follows their opt-out on each transition). No retention: the transitions have none.

create table marts.marts_core_lifecycle_movement_weekly (
    week date not null,
    from_stage varchar(50) not null,
    to_stage varchar(50) not null,
    users integer not null default 0,
    _dbt_loaded_at timestamptz default now(),
    primary key (week, from_stage, to_stage)
);

comment on table marts.marts_core_lifecycle_movement_weekly is
    'Aggregate: lifecycle movement by week. Grain: one row per week per (from stage, to stage) with a recorded transition '
    '(users who opted out of analytics are not counted). Use: lifecycle movement (marts.kpi_lifecycle_movement).';
comment on column marts.marts_core_lifecycle_movement_weekly.week is 'Monday of the week the pipeline saw the change.';
comment on column marts.marts_core_lifecycle_movement_weekly.from_stage is 'Stage before ((new) for users new to the warehouse).';
comment on column marts.marts_core_lifecycle_movement_weekly.to_stage is 'Stage after.';
comment on column marts.marts_core_lifecycle_movement_weekly.users is 'Users who moved.';
comment on column marts.marts_core_lifecycle_movement_weekly._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_core_lifecycle_movement_weekly__touched(p_from_batch bigint, p_to_batch bigint)
returns table (week date)
language sql
stable
begin atomic
    -- the weeks of the transitions recorded since this model was last refreshed (all of them on its first run)
    select distinct date_trunc('week', t.changed_on)::date
    from marts.kpi_transitions_recorded_since('marts_core_lifecycle_movement_weekly', p_from_batch) as t
    union
    -- every week with a transition of a user who opted out or back in, is new, or was hard-deleted
    select date_trunc('week', t.changed_on)::date
    from marts.marts_core_lifecycle_transitions as t
    join marts.kpi_recounted_users(p_from_batch, p_to_batch) as r on r.user_id = t.user_id;
end;

comment on function marts.marts_core_lifecycle_movement_weekly__touched(bigint, bigint) is
    'Model marts_core_lifecycle_movement_weekly: the weeks to recompute for batches (p_from_batch, p_to_batch]: those of '
    'the transitions recorded since the model was last refreshed (marts.kpi_transitions_recorded_since), and every week '
    'with a transition of a user marts.kpi_recounted_users names.';

create function marts.marts_core_lifecycle_movement_weekly__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_lifecycle_movement_weekly
language sql
stable
begin atomic
    with touched as (
        select distinct t.week
        from marts.marts_core_lifecycle_movement_weekly__touched(p_from_batch, p_to_batch) as t
    ),
    final as (
        select
            w.week,
            coalesce(t.from_stage, '(new)') as from_stage,
            t.to_stage,
            count(*)::integer as users,
            now() as _dbt_loaded_at
        from touched as w
        join marts.marts_core_lifecycle_transitions as t on t.changed_on >= w.week and t.changed_on < w.week + 7
        where not t.analytics_opt_out
        group by w.week, coalesce(t.from_stage, '(new)'), t.to_stage
    )
    select * from final;
end;

comment on function marts.marts_core_lifecycle_movement_weekly__rows(bigint, bigint) is
    'Model marts_core_lifecycle_movement_weekly: the transitions per (from stage, to stage) of each week of '
    'marts_core_lifecycle_movement_weekly__touched (batches p_from_batch, p_to_batch], from '
    'marts_core_lifecycle_transitions without users who opted out.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_core_lifecycle_movement_weekly', 'marts', 'marts', 'marts_core_lifecycle_movement_weekly', 'recompute_keys',
    '{week,from_stage,to_stage}', 'marts.marts_core_lifecycle_movement_weekly__rows', 'marts.marts_core_lifecycle_movement_weekly__touched',
    '{week}', 'one row per week per (from stage, to stage) with a transition');

insert into warehouse.model_state (model_name) values ('marts_core_lifecycle_movement_weekly');

select warehouse.enable_aggregate_rls('marts_core_lifecycle_movement_weekly');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_lifecycle_movement_weekly__pk__unique', 'marts_core_lifecycle_movement_weekly', 'marts',
        'marts_core_lifecycle_movement_weekly', 'unique', null, null, '{"columns": ["week", "from_stage", "to_stage"]}', 'error',
        'One row per week per (from stage, to stage).'),
    ('marts_core_lifecycle_movement_weekly__no_negative_counts', 'marts_core_lifecycle_movement_weekly', 'marts',
        'marts_core_lifecycle_movement_weekly', 'no_negative', 'users', 'week', '{}', 'error', 'Movement counts are never negative.');
