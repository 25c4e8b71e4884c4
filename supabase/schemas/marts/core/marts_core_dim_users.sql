create table marts.marts_core_dim_users (
    user_id uuid primary key,
    email_domain varchar(255),
    signup_cohort varchar(20),
    auth_methods text[],
    preferred_auth_method varchar(50),
    two_factor_enabled boolean,
    lifecycle_stage varchar(50),
    first_login_at timestamptz,
    last_login_at timestamptz,
    created_at timestamptz,
    deleted_at timestamptz,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_dim_users_lifecycle on marts.marts_core_dim_users (lifecycle_stage);
create index idx_marts_dim_users_cohort on marts.marts_core_dim_users (signup_cohort);

comment on table marts.marts_core_dim_users is
    'Dimension: user attributes. Grain: one row per user (hard-deleted users removed). Use: cohort analysis, segmentation.';
comment on column marts.marts_core_dim_users.user_id is 'The user.';
comment on column marts.marts_core_dim_users.email_domain is 'Email domain (gmail.com); never the address.';
comment on column marts.marts_core_dim_users.signup_cohort is 'Sign-up year, month and week of month, as the seed shows: 2026-01-W4.';
comment on column marts.marts_core_dim_users.auth_methods is 'Sign-in methods enabled.';
comment on column marts.marts_core_dim_users.preferred_auth_method is 'The sign-in method the user last chose.';
comment on column marts.marts_core_dim_users.two_factor_enabled is 'Whether two-factor authentication is on.';
comment on column marts.marts_core_dim_users.lifecycle_stage is 'new, active, at_risk or churned today (warehouse.lifecycle_stage_definitions).';
comment on column marts.marts_core_dim_users.first_login_at is 'First successful login seen.';
comment on column marts.marts_core_dim_users.last_login_at is 'Last successful login (app record or events, the later).';
comment on column marts.marts_core_dim_users.created_at is 'Sign-up time.';
comment on column marts.marts_core_dim_users.deleted_at is 'Soft-delete time; the seed''s example queries filter on deleted_at IS NULL.';
comment on column marts.marts_core_dim_users.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_core_dim_users._dbt_loaded_at is 'When the pipeline wrote the row.';

create function marts.refresh_marts_core_dim_users(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_touched bigint;
    v_removed bigint;
    v_upserted bigint;
    v_restaged bigint;
    v_result warehouse.refresh_result;
begin
    -- Users whose staging row changed, or who logged in, in these batches.
    create temporary table if not exists dim_users_touched (user_id uuid primary key) on commit drop;
    truncate pg_temp.dim_users_touched;
    insert into pg_temp.dim_users_touched (user_id)
    select u.user_id from staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
    union
    select e.user_id from staging.stg_supabase_auth_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.user_id is not null and e.event_type = 'login_success';
    get diagnostics v_touched = row_count;
    analyze pg_temp.dim_users_touched;

    -- Every user's stage before this refresh, to record who moved (time alone can move anyone).
    create temporary table if not exists dim_users_stage_before (user_id uuid primary key, lifecycle_stage varchar(50)) on commit drop;
    truncate pg_temp.dim_users_stage_before;
    insert into pg_temp.dim_users_stage_before select d.user_id, d.lifecycle_stage from marts.marts_core_dim_users as d;

    delete from marts.marts_core_dim_users as m
    using staging.stg_supabase_users as u, pg_temp.dim_users_touched as t
    where m.user_id = t.user_id and u.user_id = t.user_id and u.is_hard_deleted;
    get diagnostics v_removed = row_count;

    with logins as (
        select e.user_id, min(e.occurred_at) as first_login_at, max(e.occurred_at) as last_login_at
        from staging.stg_supabase_auth_events as e
        join pg_temp.dim_users_touched as t on t.user_id = e.user_id
        where e.event_type = 'login_success' and not e.is_hard_deleted
        group by e.user_id
    ),
    computed as (
        select
            u.user_id,
            u.email_domain,
            to_char(u.created_at at time zone 'UTC', 'YYYY-MM-"W"W') as signup_cohort,
            u.auth_methods,
            u.preferred_auth_method,
            u.two_factor_enabled,
            l.first_login_at,
            greatest(u.last_login_at, l.last_login_at) as last_login_at,
            u.created_at,
            u.deleted_at,
            u.analytics_opt_out
        from staging.stg_supabase_users as u
        join pg_temp.dim_users_touched as t on t.user_id = u.user_id
        left join logins as l on l.user_id = u.user_id
        where not u.is_hard_deleted
    )
    insert into marts.marts_core_dim_users as m (
        user_id, email_domain, signup_cohort, auth_methods, preferred_auth_method, two_factor_enabled, lifecycle_stage,
        first_login_at, last_login_at, created_at, deleted_at, analytics_opt_out, _dbt_loaded_at
    )
    select
        c.user_id, c.email_domain, c.signup_cohort, c.auth_methods, c.preferred_auth_method, c.two_factor_enabled,
        warehouse.lifecycle_stage(
            current_date - (c.created_at at time zone 'UTC')::date,
            current_date - (c.last_login_at at time zone 'UTC')::date),
        c.first_login_at, c.last_login_at, c.created_at, c.deleted_at, c.analytics_opt_out, now()
    from computed as c
    on conflict (user_id) do update
    set email_domain = excluded.email_domain,
        signup_cohort = excluded.signup_cohort,
        auth_methods = excluded.auth_methods,
        preferred_auth_method = excluded.preferred_auth_method,
        two_factor_enabled = excluded.two_factor_enabled,
        lifecycle_stage = excluded.lifecycle_stage,
        first_login_at = excluded.first_login_at,
        last_login_at = excluded.last_login_at,
        created_at = excluded.created_at,
        deleted_at = excluded.deleted_at,
        analytics_opt_out = excluded.analytics_opt_out,
        _dbt_loaded_at = excluded._dbt_loaded_at;
    get diagnostics v_upserted = row_count;

    -- Time moves users between stages without any new data: re-stage the rows whose stage changed.
    update marts.marts_core_dim_users as m
    set lifecycle_stage = s.lifecycle_stage, _dbt_loaded_at = now()
    from (
        select d.user_id,
               warehouse.lifecycle_stage(
                   current_date - (d.created_at at time zone 'UTC')::date,
                   current_date - (d.last_login_at at time zone 'UTC')::date) as lifecycle_stage
        from marts.marts_core_dim_users as d
    ) as s
    where s.user_id = m.user_id and m.lifecycle_stage is distinct from s.lifecycle_stage;
    get diagnostics v_restaged = row_count;

    insert into marts.marts_core_lifecycle_transitions (user_id, changed_on, from_stage, to_stage, analytics_opt_out)
    select d.user_id, current_date, b.lifecycle_stage, d.lifecycle_stage, d.analytics_opt_out
    from marts.marts_core_dim_users as d
    left join pg_temp.dim_users_stage_before as b on b.user_id = d.user_id
    where d.lifecycle_stage is distinct from b.lifecycle_stage
    on conflict (user_id, changed_on, to_stage) do nothing;

    -- A user who opted out (or back in): their transitions follow.
    update marts.marts_core_lifecycle_transitions as t
    set analytics_opt_out = u.analytics_opt_out
    from pg_temp.dim_users_touched as x, staging.stg_supabase_users as u
    where t.user_id = x.user_id and u.user_id = x.user_id and t.analytics_opt_out is distinct from u.analytics_opt_out;

    v_result.rows_in := v_touched;
    v_result.rows_out := v_removed + v_upserted + v_restaged;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_core_dim_users(bigint, bigint) is
    'Model marts_core_dim_users: recomputes the users touched in batches (p_from_batch, p_to_batch] from staging, '
    'removes hard-deleted ones, re-stages any user whose lifecycle stage changed with the date, and records every '
    'stage change in marts_core_lifecycle_transitions.';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('marts_core_dim_users', 'marts', 'marts', 'marts_core_dim_users',
        '{staging.stg_supabase_users,staging.stg_supabase_auth_events}',
        'marts.refresh_marts_core_dim_users', 'one row per user');

insert into warehouse.model_state (model_name) values ('marts_core_dim_users');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_dim_users__user_id__unique', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'unique', 'user_id', 'user_id', '{}', 'error',
        'One row per user.'),
    ('marts_core_dim_users__user_id__not_null', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'not_null', 'user_id', null, '{}', 'error',
        'Every row has a user.'),
    ('marts_core_dim_users__lifecycle_stage__not_null', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'not_null', 'lifecycle_stage', 'user_id', '{}', 'error',
        'Every user has a lifecycle stage.'),
    ('marts_core_dim_users__lifecycle_stage__accepted_values', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'accepted_values',
        'lifecycle_stage', 'user_id', '{"values": ["new", "active", "at_risk", "churned"]}', 'error', 'Lifecycle stages are the defined ones.'),
    ('assert_user_counts_match', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'row_count_match', null, null,
        '{"relations": [{"schema": "warehouse", "table": "raw_current_users", "label": "raw"},
                        {"schema": "staging", "table": "stg_supabase_users", "where": "not is_hard_deleted", "label": "staging"},
                        {"schema": "marts", "table": "marts_core_dim_users", "label": "marts"}]}',
        'error', 'The seed''s assert_user_counts_match: raw, staging and marts hold the same users.');

select warehouse.enable_mart_rls('marts_core_dim_users');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_core_dim_users', 'user_id = $1');
