-- Model marts_product_funnel_conversion_daily. Grain: one row per funnel step per day on which users first
-- reached it. Pre-aggregated funnel progress, so that marts.kpi_funnel_conversion sums a row per step and
-- day instead of counting distinct users of every funnel event: a user has one row per funnel step in
-- marts_product_funnel_events, so the users who reached a step are the sum over the days of its first
-- reaches. Counts only users who did not opt out of analytics.
-- Materialized per day (recompute_keys on reached_date): touched, the days on which a first reach may
-- have moved (marts.kpi_funnel_reach_days: every step-event day of the changed (user, funnel) pairs and
-- of the users kpi_recounted_users names).

create table marts.marts_product_funnel_conversion_daily (
    reached_date date not null,
    funnel_name varchar(50) not null,
    step_number smallint not null,
    step_name varchar(50) not null,
    users_reached integer not null default 0,
    _dbt_loaded_at timestamptz default now(),
    primary key (reached_date, funnel_name, step_number, step_name)
);

comment on table marts.marts_product_funnel_conversion_daily is
    'Aggregate: funnel progress by day. Grain: one row per funnel step per UTC day on which users first reached it (users '
    'who opted out of analytics are not counted). Use: funnel conversion and drop-off (marts.kpi_funnel_conversion).';
comment on column marts.marts_product_funnel_conversion_daily.reached_date is 'The UTC day of the first reach (marts_product_funnel_events.reached_at).';
comment on column marts.marts_product_funnel_conversion_daily.funnel_name is 'The funnel.';
comment on column marts.marts_product_funnel_conversion_daily.step_number is 'The step''s position, from 1.';
comment on column marts.marts_product_funnel_conversion_daily.step_name is 'The step.';
comment on column marts.marts_product_funnel_conversion_daily.users_reached is 'Users who first reached the step that day.';
comment on column marts.marts_product_funnel_conversion_daily._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_product_funnel_conversion_daily__touched(p_from_batch bigint, p_to_batch bigint)
returns table (reached_date date)
language sql
stable
begin atomic
    select d.reached_date
    from marts.kpi_funnel_reach_days(p_from_batch, p_to_batch) as d;
end;

comment on function marts.marts_product_funnel_conversion_daily__touched(bigint, bigint) is
    'Model marts_product_funnel_conversion_daily: the days on which batches (p_from_batch, p_to_batch] may have moved a '
    'first reach (marts.kpi_funnel_reach_days).';

create function marts.marts_product_funnel_conversion_daily__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_product_funnel_conversion_daily
language sql
stable
begin atomic
    with touched as (
        select distinct t.reached_date
        from marts.marts_product_funnel_conversion_daily__touched(p_from_batch, p_to_batch) as t
    ),
    final as (
        select t.reached_date, e.funnel_name, e.step_number, e.step_name, count(*)::integer as users_reached,
               now() as _dbt_loaded_at
        from touched as t
        join marts.marts_product_funnel_events as e
            on e.reached_at >= t.reached_date::timestamp at time zone 'UTC'
           and e.reached_at < (t.reached_date + 1)::timestamp at time zone 'UTC'
        where not e.analytics_opt_out
        group by t.reached_date, e.funnel_name, e.step_number, e.step_name
    )
    select * from final;
end;

comment on function marts.marts_product_funnel_conversion_daily__rows(bigint, bigint) is
    'Model marts_product_funnel_conversion_daily: the first reaches per funnel step of each day of '
    'marts_product_funnel_conversion_daily__touched (batches p_from_batch, p_to_batch], from marts_product_funnel_events '
    'without users who opted out.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_product_funnel_conversion_daily', 'marts', 'marts', 'marts_product_funnel_conversion_daily', 'recompute_keys',
    '{reached_date,funnel_name,step_number,step_name}', 'marts.marts_product_funnel_conversion_daily__rows',
    'marts.marts_product_funnel_conversion_daily__touched', '{reached_date}', 'one row per funnel step per day of first reaches');

insert into warehouse.model_state (model_name) values ('marts_product_funnel_conversion_daily');

select warehouse.enable_aggregate_rls('marts_product_funnel_conversion_daily');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_product_funnel_conversion_daily__pk__unique', 'marts_product_funnel_conversion_daily', 'marts',
        'marts_product_funnel_conversion_daily', 'unique', null, null,
        '{"columns": ["reached_date", "funnel_name", "step_number", "step_name"]}', 'error', 'One row per funnel step per day.'),
    ('marts_product_funnel_conversion_daily__no_negative_counts', 'marts_product_funnel_conversion_daily', 'marts',
        'marts_product_funnel_conversion_daily', 'no_negative', 'users_reached', 'reached_date', '{}', 'error',
        'Funnel counts are never negative.'),
    ('marts_product_funnel_conversion_daily__sums_to_funnel_events', 'marts_product_funnel_conversion_daily', 'marts',
        'marts_product_funnel_conversion_daily', 'expression', null, 'reached_date',
        '{"where": "(select coalesce(sum(s.users_reached), 0) from marts.marts_product_funnel_conversion_daily as s) <> (select count(*) from marts.marts_product_funnel_events as e where not e.analytics_opt_out)"}',
        'error', 'The days count every first reach of marts_product_funnel_events (not opted out) once: every row fails when they do not.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_product_funnel_conversion_daily', 'marts', 60, 'delete_rows', 'reached_date',
        'Marts keep 5 years of funnel progress, as they keep the funnel events.');
