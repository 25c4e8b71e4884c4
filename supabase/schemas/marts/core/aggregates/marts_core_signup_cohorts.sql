-- Model marts_core_signup_cohorts. Grain: one row per sign-up week (Monday, UTC). Pre-aggregated cohort
-- sizes for marts.kpi_signup_cohort_retention: users of the dimension (soft-deleted ones too) who signed
-- up that week and did not opt out of analytics.
-- Materialized per week (recompute_keys on cohort_week). A user joins or leaves a cohort only by
-- appearing, opting out or back in, or being hard-deleted, so touched: the sign-up weeks of the users
-- kpi_recounted_users names (sign-up times do not change).

create table marts.marts_core_signup_cohorts (
    cohort_week date primary key,
    cohort_size integer not null default 0,
    _dbt_loaded_at timestamptz default now()
);

comment on table marts.marts_core_signup_cohorts is
    'Aggregate: sign-up cohorts. Grain: one row per sign-up week (Monday, UTC) with a user who did not opt out of '
    'analytics. Use: cohort sizes for retention (marts.kpi_signup_cohort_retention).';
comment on column marts.marts_core_signup_cohorts.cohort_week is 'Monday of the sign-up week (UTC).';
comment on column marts.marts_core_signup_cohorts.cohort_size is 'Users who signed up that week (soft-deleted ones too).';
comment on column marts.marts_core_signup_cohorts._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_core_signup_cohorts__touched(p_from_batch bigint, p_to_batch bigint)
returns table (cohort_week date)
language sql
stable
begin atomic
    select distinct date_trunc('week', u.created_at at time zone 'UTC')::date
    from staging.stg_supabase_users as u
    join marts.kpi_recounted_users(p_from_batch, p_to_batch) as r on r.user_id = u.user_id
    where u.created_at is not null;
end;

comment on function marts.marts_core_signup_cohorts__touched(bigint, bigint) is
    'Model marts_core_signup_cohorts: the sign-up weeks of the users marts.kpi_recounted_users names for batches '
    '(p_from_batch, p_to_batch]: new, opted out or back in, hard-deleted.';

create function marts.marts_core_signup_cohorts__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_signup_cohorts
language sql
stable
begin atomic
    with touched as (
        select distinct t.cohort_week
        from marts.marts_core_signup_cohorts__touched(p_from_batch, p_to_batch) as t
    ),
    final as (
        select t.cohort_week, count(*)::integer as cohort_size, now() as _dbt_loaded_at
        from touched as t
        join marts.marts_core_dim_users as d
            on d.created_at >= t.cohort_week::timestamp at time zone 'UTC'
           and d.created_at < (t.cohort_week + 7)::timestamp at time zone 'UTC'
        where not d.analytics_opt_out
        group by t.cohort_week
    )
    select * from final;
end;

comment on function marts.marts_core_signup_cohorts__rows(bigint, bigint) is
    'Model marts_core_signup_cohorts: the size of each sign-up week of marts_core_signup_cohorts__touched (batches '
    'p_from_batch, p_to_batch], from marts_core_dim_users without users who opted out; an empty week has no row.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_core_signup_cohorts', 'marts', 'marts', 'marts_core_signup_cohorts', 'recompute_keys', '{cohort_week}',
    'marts.marts_core_signup_cohorts__rows', 'marts.marts_core_signup_cohorts__touched', '{cohort_week}',
    'one row per sign-up week');

insert into warehouse.model_state (model_name) values ('marts_core_signup_cohorts');

select warehouse.enable_aggregate_rls('marts_core_signup_cohorts');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_signup_cohorts__cohort_week__unique', 'marts_core_signup_cohorts', 'marts', 'marts_core_signup_cohorts',
        'unique', 'cohort_week', 'cohort_week', '{}', 'error', 'One row per sign-up week.'),
    ('marts_core_signup_cohorts__no_negative_counts', 'marts_core_signup_cohorts', 'marts', 'marts_core_signup_cohorts',
        'no_negative', 'cohort_size', 'cohort_week', '{}', 'error', 'Cohort sizes are never negative.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_core_signup_cohorts', 'marts', 60, 'delete_rows', 'cohort_week',
        'Marts keep 5 years of sign-up cohorts.');
