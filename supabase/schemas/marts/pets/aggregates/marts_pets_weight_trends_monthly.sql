-- Model marts_pets_weight_trends_monthly. Grain: one row per month per species per life stage (at the
-- weigh-in) with a weigh-in. Pre-aggregated weight trends, so that marts.kpi_weight_trends reads a few rows
-- per month instead of every weigh-in ever recorded. Counts only the pets of owners who did not opt out of
-- analytics.
-- Materialized per month (recompute_keys on weigh_month): the distinct pets of a month are recounted from
-- its weigh-ins. Touched: the months of the weigh-ins the batches changed, and every month with a weigh-in
-- of a pet whose own row changed (its species or birth date set the life stage) or whose owner
-- kpi_recounted_users names (opted out or back in, new, hard-deleted).

create table marts.marts_pets_weight_trends_monthly (
    weigh_month date not null,
    species varchar(20),
    life_stage varchar(20),
    weigh_ins integer not null default 0,
    pets integer not null default 0,
    total_weight_kg numeric not null default 0,
    _dbt_loaded_at timestamptz default now(),
    unique nulls not distinct (weigh_month, species, life_stage)
);

comment on table marts.marts_pets_weight_trends_monthly is
    'Aggregate: weight trends by month. Grain: one row per month per species per life stage (at the weigh-in) with a '
    'weigh-in (pets of owners who opted out of analytics are not counted). Use: average weights (marts.kpi_weight_trends).';
comment on column marts.marts_pets_weight_trends_monthly.weigh_month is 'First day of the month of the weigh-ins.';
comment on column marts.marts_pets_weight_trends_monthly.species is 'The species.';
comment on column marts.marts_pets_weight_trends_monthly.life_stage is 'Life stage of the pets when weighed.';
comment on column marts.marts_pets_weight_trends_monthly.weigh_ins is 'Weigh-ins in the month.';
comment on column marts.marts_pets_weight_trends_monthly.pets is 'Distinct pets weighed in the month.';
comment on column marts.marts_pets_weight_trends_monthly.total_weight_kg is 'Sum of the weights of those weigh-ins, in kilograms (the average''s numerator).';
comment on column marts.marts_pets_weight_trends_monthly._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_pets_weight_trends_monthly__touched(p_from_batch bigint, p_to_batch bigint)
returns table (weigh_month date)
language sql
stable
begin atomic
    with changed_pets as (
        select p.pet_id
        from staging.stg_supabase_pets as p
        where p._batch_id > p_from_batch and p._batch_id <= p_to_batch
        union
        select p.pet_id
        from staging.stg_supabase_pets as p
        join marts.kpi_recounted_users(p_from_batch, p_to_batch) as r on r.user_id = p.owner_user_id
    )
    -- the months of the weigh-ins the batches changed
    select date_trunc('month', w.weighed_on)::date
    from staging.stg_supabase_pet_weights as w
    where w._batch_id > p_from_batch and w._batch_id <= p_to_batch and w.weighed_on is not null
    union
    -- every month with a weigh-in of a changed pet or of a pet whose owner's counts are recomputed
    select date_trunc('month', w.weighed_on)::date
    from staging.stg_supabase_pet_weights as w
    join changed_pets as p on p.pet_id = w.pet_id
    where w.weighed_on is not null;
end;

comment on function marts.marts_pets_weight_trends_monthly__touched(bigint, bigint) is
    'Model marts_pets_weight_trends_monthly: the months batches (p_from_batch, p_to_batch] may have changed: those of each '
    'changed weigh-in, and of every weigh-in of a changed pet or of a pet whose owner marts.kpi_recounted_users names.';

create function marts.marts_pets_weight_trends_monthly__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_weight_trends_monthly
language sql
stable
begin atomic
    with touched as (
        select distinct t.weigh_month
        from marts.marts_pets_weight_trends_monthly__touched(p_from_batch, p_to_batch) as t
    ),
    final as (
        select
            t.weigh_month,
            w.species,
            w.life_stage,
            count(*)::integer as weigh_ins,
            count(distinct w.pet_id)::integer as pets,
            sum(w.weight_kg) as total_weight_kg,
            now() as _dbt_loaded_at
        from touched as t
        join marts.marts_pets_weight_history as w
            on w.weighed_on >= t.weigh_month and w.weighed_on < (t.weigh_month + interval '1 month')::date
        where not w.analytics_opt_out
        group by t.weigh_month, w.species, w.life_stage
    )
    select * from final;
end;

comment on function marts.marts_pets_weight_trends_monthly__rows(bigint, bigint) is
    'Model marts_pets_weight_trends_monthly: the weigh-ins, distinct pets and total weight per species and life stage of '
    'each month of marts_pets_weight_trends_monthly__touched (batches p_from_batch, p_to_batch], from '
    'marts_pets_weight_history without owners who opted out.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_weight_trends_monthly', 'marts', 'marts', 'marts_pets_weight_trends_monthly', 'recompute_keys',
    '{weigh_month,species,life_stage}', 'marts.marts_pets_weight_trends_monthly__rows', 'marts.marts_pets_weight_trends_monthly__touched',
    '{weigh_month}', 'one row per month per species per life stage with a weigh-in');

insert into warehouse.model_state (model_name) values ('marts_pets_weight_trends_monthly');

select warehouse.enable_aggregate_rls('marts_pets_weight_trends_monthly');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_weight_trends_monthly__pk__unique', 'marts_pets_weight_trends_monthly', 'marts', 'marts_pets_weight_trends_monthly',
        'unique', null, null, '{"columns": ["weigh_month", "species", "life_stage"]}', 'error',
        'One row per month per species per life stage.'),
    ('marts_pets_weight_trends_monthly__no_negative_metrics', 'marts_pets_weight_trends_monthly', 'marts', 'marts_pets_weight_trends_monthly',
        'no_negative', null, 'weigh_month', '{"columns": ["weigh_ins", "pets", "total_weight_kg"]}', 'error',
        'Weigh-ins, pets and weights are never negative.'),
    ('marts_pets_weight_trends_monthly__pets_within_weigh_ins', 'marts_pets_weight_trends_monthly', 'marts',
        'marts_pets_weight_trends_monthly', 'expression', null, 'weigh_month', '{"where": "pets > weigh_ins or pets < 1"}', 'error',
        'Each pet counted was weighed at least once.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_pets_weight_trends_monthly', 'marts', 60, 'delete_rows', 'weigh_month',
        'Marts keep 5 years of weight trends, as they keep the weight history.');
