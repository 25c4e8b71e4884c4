-- Model marts_core_signup_cohort_retention. Grain: one row per sign-up week per week since sign-up in which
-- at least one of its users logged in. Pre-aggregated retention for marts.kpi_signup_cohort_retention
-- (cohort sizes: marts_core_signup_cohorts). Counts only users who did not opt out of analytics.
-- Materialized per (sign-up week, week since sign-up) (recompute_keys on both): a login on day d by a user
-- who signed up in week c changes the key (c, week of d) only. Touched: that key for every auth event the
-- batches changed, and for every login of a user kpi_recounted_users names (opted out or back in, new,
-- hard-deleted). A key is recomputed from its cohort's users in the dimension and their logins that week.

create table marts.marts_core_signup_cohort_retention (
    cohort_week date not null,
    weeks_since_signup integer not null,
    retained_users integer not null default 0,
    _dbt_loaded_at timestamptz default now(),
    primary key (cohort_week, weeks_since_signup)
);

comment on table marts.marts_core_signup_cohort_retention is
    'Aggregate: sign-up cohort retention. Grain: one row per sign-up week (Monday, UTC) per week since sign-up in which '
    'at least one user of the cohort logged in (users who opted out of analytics are not counted). Use: weekly cohort '
    'retention (marts.kpi_signup_cohort_retention).';
comment on column marts.marts_core_signup_cohort_retention.cohort_week is 'Monday of the sign-up week (UTC).';
comment on column marts.marts_core_signup_cohort_retention.weeks_since_signup is '0 for the sign-up week itself.';
comment on column marts.marts_core_signup_cohort_retention.retained_users is 'Users of the cohort who logged in (login_count > 0) that week.';
comment on column marts.marts_core_signup_cohort_retention._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_core_signup_cohort_retention__touched(p_from_batch bigint, p_to_batch bigint)
returns table (cohort_week date, weeks_since_signup integer)
language sql
stable
begin atomic
    with changed_logins as (
        -- the auth events the batches changed
        select e.user_id, e.event_date
        from staging.stg_supabase_auth_events as e
        where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.user_id is not null
        union
        -- every login of a user who opted out or back in, is new, or was hard-deleted
        select e.user_id, e.event_date
        from staging.stg_supabase_auth_events as e
        join marts.kpi_recounted_users(p_from_batch, p_to_batch) as r on r.user_id = e.user_id
        where e.event_type = 'login_success'
    ),
    keys as (
        select date_trunc('week', u.created_at at time zone 'UTC')::date as cohort_week,
               date_trunc('week', l.event_date)::date as login_week
        from changed_logins as l
        join staging.stg_supabase_users as u on u.user_id = l.user_id
        where u.created_at is not null and l.event_date is not null
    )
    select distinct k.cohort_week, (k.login_week - k.cohort_week) / 7
    from keys as k
    where k.login_week >= k.cohort_week;
end;

comment on function marts.marts_core_signup_cohort_retention__touched(bigint, bigint) is
    'Model marts_core_signup_cohort_retention: the (sign-up week, week since sign-up) keys batches (p_from_batch, '
    'p_to_batch] may have changed: those of each changed auth event, and of every login of a user marts.kpi_recounted_users names.';

create function marts.marts_core_signup_cohort_retention__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_signup_cohort_retention
language sql
stable
begin atomic
    with touched as (
        select distinct t.cohort_week, t.weeks_since_signup
        from marts.marts_core_signup_cohort_retention__touched(p_from_batch, p_to_batch) as t
    ),
    -- each touched key with the users of its cohort and the days of its week
    members as (
        select t.cohort_week, t.weeks_since_signup, d.user_id,
               t.cohort_week + 7 * t.weeks_since_signup as week_start
        from touched as t
        join marts.marts_core_dim_users as d
            on d.created_at >= t.cohort_week::timestamp at time zone 'UTC'
           and d.created_at < (t.cohort_week + 7)::timestamp at time zone 'UTC'
        where not d.analytics_opt_out
    ),
    final as (
        select m.cohort_week, m.weeks_since_signup, count(*)::integer as retained_users, now() as _dbt_loaded_at
        from members as m
        where exists (
            select 1
            from marts.marts_core_user_activity_daily as a
            where a.user_id = m.user_id
              and a.activity_date >= m.week_start and a.activity_date < m.week_start + 7
              and a.login_count > 0 and not a.analytics_opt_out)
        group by m.cohort_week, m.weeks_since_signup
    )
    select * from final;
end;

comment on function marts.marts_core_signup_cohort_retention__rows(bigint, bigint) is
    'Model marts_core_signup_cohort_retention: for each key of marts_core_signup_cohort_retention__touched (batches '
    'p_from_batch, p_to_batch], the users of the cohort (marts_core_dim_users, not opted out) who logged in that week '
    '(marts_core_user_activity_daily); a key with none has no row.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_core_signup_cohort_retention', 'marts', 'marts', 'marts_core_signup_cohort_retention', 'recompute_keys',
    '{cohort_week,weeks_since_signup}', 'marts.marts_core_signup_cohort_retention__rows', 'marts.marts_core_signup_cohort_retention__touched',
    '{cohort_week,weeks_since_signup}', 'one row per sign-up week per week since sign-up with logins');

insert into warehouse.model_state (model_name) values ('marts_core_signup_cohort_retention');

select warehouse.enable_aggregate_rls('marts_core_signup_cohort_retention');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_signup_cohort_retention__pk__unique', 'marts_core_signup_cohort_retention', 'marts', 'marts_core_signup_cohort_retention',
        'unique', null, null, '{"columns": ["cohort_week", "weeks_since_signup"]}', 'error', 'One row per sign-up week per week since sign-up.'),
    ('marts_core_signup_cohort_retention__no_negative_counts', 'marts_core_signup_cohort_retention', 'marts',
        'marts_core_signup_cohort_retention', 'no_negative', null, 'cohort_week', '{"columns": ["weeks_since_signup", "retained_users"]}',
        'error', 'Weeks since sign-up and retained users are never negative.'),
    ('marts_core_signup_cohort_retention__retained_within_cohort', 'marts_core_signup_cohort_retention', 'marts',
        'marts_core_signup_cohort_retention', 'expression', null, 'cohort_week',
        '{"where": "retained_users > coalesce((select c.cohort_size from marts.marts_core_signup_cohorts as c where c.cohort_week = t.cohort_week), 0)"}',
        'error', 'A cohort never retains more users than it has.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_core_signup_cohort_retention', 'marts', 60, 'delete_rows', 'cohort_week',
        'Marts keep 5 years of sign-up cohorts.');
