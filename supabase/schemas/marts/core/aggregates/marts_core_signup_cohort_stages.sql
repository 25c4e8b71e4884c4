-- Model marts_core_signup_cohort_stages. Grain: one row per sign-up cohort (2026-01-W4) per lifecycle stage
-- with at least one user. Pre-aggregated users per cohort and stage for marts.published_signup_cohorts
-- (which suppresses the groups smaller than k): users of the dimension not deleted and not opted out.
-- Materialized per cohort (recompute_keys on signup_cohort). A user's group changes when their dimension
-- row does, so touched: the cohorts of the users whose staging row the batches changed (deleted, opted
-- out or back in, new, hard-deleted), of the users who logged in (their stage may move), and of the users
-- whose stage moved with the date alone (the transitions marts_core_dim_users recorded since this model
-- was last refreshed: marts.kpi_transitions_recorded_since).

create table marts.marts_core_signup_cohort_stages (
    signup_cohort varchar(20) not null,
    lifecycle_stage varchar(50) not null,
    user_count integer not null default 0,
    _dbt_loaded_at timestamptz default now(),
    primary key (signup_cohort, lifecycle_stage)
);

comment on table marts.marts_core_signup_cohort_stages is
    'Aggregate: users by sign-up cohort and lifecycle stage. Grain: one row per sign-up cohort per lifecycle stage with '
    'a user not deleted who did not opt out of analytics. Use: publishable cohort sizes (marts.published_signup_cohorts).';
comment on column marts.marts_core_signup_cohort_stages.signup_cohort is 'Sign-up cohort (2026-01-W4), as marts_core_dim_users.signup_cohort.';
comment on column marts.marts_core_signup_cohort_stages.lifecycle_stage is 'Lifecycle stage today (as of the run).';
comment on column marts.marts_core_signup_cohort_stages.user_count is 'Users (not deleted) of the cohort in the stage; not k-anonymous: publish through marts.published_signup_cohorts.';
comment on column marts.marts_core_signup_cohort_stages._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_core_signup_cohort_stages__touched(p_from_batch bigint, p_to_batch bigint)
returns table (signup_cohort varchar(20))
language sql
stable
begin atomic
    with changed_users as (
        -- users whose staging row the batches changed
        select u.user_id
        from staging.stg_supabase_users as u
        where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
        union
        -- users who logged in
        select e.user_id
        from staging.stg_supabase_auth_events as e
        where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.user_id is not null and e.event_type = 'login_success'
        union
        -- users whose stage moved since this model was last refreshed (with new data or with the date alone)
        select t.user_id
        from marts.kpi_transitions_recorded_since('marts_core_signup_cohort_stages', p_from_batch) as t
        union
        -- users who opted out or back in, are new, hard-deleted or erased
        select r.user_id
        from marts.kpi_recounted_users(p_from_batch, p_to_batch) as r
    )
    select distinct to_char(u.created_at at time zone 'UTC', 'YYYY-MM-"W"W')::varchar(20)
    from changed_users as c
    join staging.stg_supabase_users as u on u.user_id = c.user_id
    where u.created_at is not null;
end;

comment on function marts.marts_core_signup_cohort_stages__touched(bigint, bigint) is
    'Model marts_core_signup_cohort_stages: the sign-up cohorts batches (p_from_batch, p_to_batch] may have changed: '
    'those of users whose staging row changed or who logged in, of users with a lifecycle transition recorded since the '
    'model was last refreshed, and '
    'of the users marts.kpi_recounted_users names.';

create function marts.marts_core_signup_cohort_stages__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_signup_cohort_stages
language sql
stable
begin atomic
    with touched as (
        select distinct t.signup_cohort
        from marts.marts_core_signup_cohort_stages__touched(p_from_batch, p_to_batch) as t
    ),
    final as (
        select d.signup_cohort, d.lifecycle_stage, count(*)::integer as user_count, now() as _dbt_loaded_at
        from marts.marts_core_dim_users as d
        join touched as t on t.signup_cohort = d.signup_cohort
        where d.deleted_at is null and not d.analytics_opt_out and d.lifecycle_stage is not null
        group by d.signup_cohort, d.lifecycle_stage
    )
    select * from final;
end;

comment on function marts.marts_core_signup_cohort_stages__rows(bigint, bigint) is
    'Model marts_core_signup_cohort_stages: users per lifecycle stage of each cohort of '
    'marts_core_signup_cohort_stages__touched (batches p_from_batch, p_to_batch], from marts_core_dim_users (not deleted, '
    'not opted out).';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_core_signup_cohort_stages', 'marts', 'marts', 'marts_core_signup_cohort_stages', 'recompute_keys',
    '{signup_cohort,lifecycle_stage}', 'marts.marts_core_signup_cohort_stages__rows', 'marts.marts_core_signup_cohort_stages__touched',
    '{signup_cohort}', 'one row per sign-up cohort per lifecycle stage');

insert into warehouse.model_state (model_name) values ('marts_core_signup_cohort_stages');

select warehouse.enable_aggregate_rls('marts_core_signup_cohort_stages');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_signup_cohort_stages__pk__unique', 'marts_core_signup_cohort_stages', 'marts', 'marts_core_signup_cohort_stages',
        'unique', null, null, '{"columns": ["signup_cohort", "lifecycle_stage"]}', 'error', 'One row per sign-up cohort per lifecycle stage.'),
    ('marts_core_signup_cohort_stages__lifecycle_stage__accepted_values', 'marts_core_signup_cohort_stages', 'marts',
        'marts_core_signup_cohort_stages', 'accepted_values', 'lifecycle_stage', 'signup_cohort',
        '{"values": ["new", "active", "at_risk", "churned"]}', 'error', 'Lifecycle stages are the defined ones.'),
    ('marts_core_signup_cohort_stages__no_negative_counts', 'marts_core_signup_cohort_stages', 'marts', 'marts_core_signup_cohort_stages',
        'no_negative', 'user_count', 'signup_cohort', '{}', 'error', 'User counts are never negative.'),
    ('marts_core_signup_cohort_stages__sums_to_dimension', 'marts_core_signup_cohort_stages', 'marts', 'marts_core_signup_cohort_stages',
        'expression', null, 'signup_cohort',
        '{"where": "(select coalesce(sum(s.user_count), 0) from marts.marts_core_signup_cohort_stages as s) <> (select count(*) from marts.marts_core_dim_users as d where d.deleted_at is null and not d.analytics_opt_out)"}',
        'error', 'The cohorts count every user of the dimension (not deleted, not opted out) once: every row fails when they do not.');
