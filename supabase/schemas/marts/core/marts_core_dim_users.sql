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
    _dbt_loaded_at timestamptz default now(),
    _recompute_on date,
    _opt_out_batch_id bigint
)
-- The visibility map kept current after each daily run, for the index-only scans below.
with (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01);

create index idx_marts_dim_users_lifecycle on marts.marts_core_dim_users (lifecycle_stage);
create index idx_marts_dim_users_cohort on marts.marts_core_dim_users (signup_cohort);
-- the users due for recomputation today (the touched function), and the rows a run wrote (the post hook)
create index idx_marts_dim_users_recompute_on on marts.marts_core_dim_users (_recompute_on);
create index idx_marts_dim_users_loaded_at on marts.marts_core_dim_users (_dbt_loaded_at);
create index idx_marts_dim_users_created_at on marts.marts_core_dim_users (created_at);
create index idx_marts_dim_users_opt_out_batch on marts.marts_core_dim_users (_opt_out_batch_id);
-- What analysts count (row-level security adds "not analytics_opt_out"; the seed's queries and the KPI views
-- filter deleted_at is null): index-only scans for users per lifecycle stage, sign-in method and email domain.
create index idx_marts_dim_users_visible_lifecycle on marts.marts_core_dim_users (lifecycle_stage)
    where deleted_at is null and not analytics_opt_out;
create index idx_marts_dim_users_visible_auth_method on marts.marts_core_dim_users (preferred_auth_method)
    where deleted_at is null and not analytics_opt_out;
create index idx_marts_dim_users_visible_email_domain on marts.marts_core_dim_users (email_domain)
    where deleted_at is null and not analytics_opt_out;

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
comment on column marts.marts_core_dim_users._recompute_on is
    'Pipeline metadata: the first day on which lifecycle_stage can change with the date alone (a bound of '
    'warehouse.lifecycle_stage_definitions turns); the run on or after that day recomputes the row. infinity: never '
    '(the stage has no bound left to cross); NULL: unknown (a row written before the column existed), recomputed at the next run.';
comment on column marts.marts_core_dim_users._opt_out_batch_id is
    'Pipeline metadata: the last extraction batch of the run that saw analytics_opt_out take its current value (or the '
    'user first appear): the pre-aggregated marts recompute everything a user who opted out or back in counts in '
    '(marts.kpi_recounted_users).';

-- The transformation. Touched: users whose staging row changed or who logged in, and users whose
-- lifecycle stage can have moved with the date alone: each row keeps the first day on which one of its
-- stage bounds turns (_recompute_on, indexed), so the touched function reads only the users due today,
-- never the whole dimension. A change to warehouse.lifecycle_stage_definitions reaches every user at the
-- next full refresh (npm run pipeline -- --full-refresh); until then, each user as they are recomputed.
-- The post hook records every stage change in marts_core_lifecycle_transitions (defined in that file):
-- the history an SCD1 dimension does not keep. The rows function also compares each user's opt-out flag
-- with the row it replaces and keeps the batch of the last change in _opt_out_batch_id: the pre-aggregated
-- marts (marts/*/aggregates/) read it to recount everything a user who opted out or back in counts in
-- (marts.kpi_recounted_users).
create function marts.marts_core_dim_users__touched(p_from_batch bigint, p_to_batch bigint)
returns table (user_id uuid)
language sql
stable
begin atomic
    select u.user_id
    from staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
    union
    select e.user_id
    from staging.stg_supabase_auth_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.user_id is not null and e.event_type = 'login_success'
    union
    select d.user_id
    from marts.marts_core_dim_users as d
    where d._recompute_on <= warehouse.as_of_date()
    union
    select d.user_id
    from marts.marts_core_dim_users as d
    where d._recompute_on is null;
end;

comment on function marts.marts_core_dim_users__touched(bigint, bigint) is
    'Model marts_core_dim_users: the users batches (p_from_batch, p_to_batch] changed, and those whose stage can have '
    'moved with the date (_recompute_on on or before warehouse.as_of_date(), read through its index).';

create function marts.marts_core_dim_users__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_dim_users
language sql
stable
begin atomic
    with touched as (
        select t.user_id from marts.marts_core_dim_users__touched(p_from_batch, p_to_batch) as t
    ),
    -- the rows the dimension holds now (the materializer deletes them after this function ran)
    previous as (
        select d.user_id, d.analytics_opt_out, d._opt_out_batch_id
        from marts.marts_core_dim_users as d
        join touched as t on t.user_id = d.user_id
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
        join touched as t on t.user_id = u.user_id
        -- each user's first and last login: min and max over idx_stg_auth_events_user_logins (partial on this
        -- filter) are two index probes per user (a lateral subquery: never a scan of every auth event, and never
        -- a user's whole login history, whatever the planner thinks of the touched users' number)
        cross join lateral (
            select min(e.occurred_at) as first_login_at, max(e.occurred_at) as last_login_at
            from staging.stg_supabase_auth_events as e
            where e.user_id = u.user_id and e.event_type = 'login_success' and not e.is_hard_deleted
        ) as l
        where not u.is_hard_deleted
    ),
    final as (
        select
            c.user_id,
            c.email_domain,
            c.signup_cohort,
            c.auth_methods,
            c.preferred_auth_method,
            c.two_factor_enabled,
            r.lifecycle_stage,
            c.first_login_at,
            c.last_login_at,
            c.created_at,
            c.deleted_at,
            c.analytics_opt_out,
            now() as _dbt_loaded_at,
            coalesce(warehouse.as_of_date() + r.days_until_change, 'infinity') as _recompute_on,
            case
                when p.user_id is null or p.analytics_opt_out is distinct from c.analytics_opt_out then p_to_batch
                else p._opt_out_batch_id
            end as _opt_out_batch_id
        from computed as c
        left join previous as p on p.user_id = c.user_id
        -- the stage rule, inlined: evaluated per user without a function call
        cross join lateral warehouse.lifecycle_stage_rule(
            warehouse.as_of_date() - (c.created_at at time zone 'UTC')::date,
            warehouse.as_of_date() - (c.last_login_at at time zone 'UTC')::date) as r
    )
    select * from final;
end;

comment on function marts.marts_core_dim_users__rows(bigint, bigint) is
    'Model marts_core_dim_users: the rows of the touched users, from staging, with the lifecycle stage as of '
    'warehouse.as_of_date() (today) and the day it can next change, and the batch that saw their opt-out flag change '
    '(p_to_batch when it changed or the user is new, else the row''s own); hard-deleted users have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, post_hook, grain)
values ('marts_core_dim_users', 'marts', 'marts', 'marts_core_dim_users', 'recompute_keys', '{user_id}',
    'marts.marts_core_dim_users__rows', 'marts.marts_core_dim_users__touched', '{user_id}',
    'marts.marts_core_lifecycle_transitions__record', 'one row per user');

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
