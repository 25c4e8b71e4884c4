-- Model marts_product_feature_usage. Grain: one row per feature per user per day (feature_used events).
-- Materialized per day (recompute_keys on the unique key usage_date, user_id, feature_name). Touched:
-- every day of a (user, feature) pair with a use the batches changed (a late or deleted use can move
-- the pair's first day, is_first_use_ever); of a user whose staging row changed, only what that change
-- reaches: the days whose analytics_opt_out the user's row no longer matches (an opt-out, or back in),
-- every row of a user hard-deleted (no rows), and every day of a user the mart holds none of (back after
-- a hard delete). A profile change that reaches no row touches none. A day with no use left has no row.
-- The old refresh function updated is_first_use_ever and analytics_opt_out in place; here those days
-- are recomputed from staging. Days the mart keeps beyond staging's retention (36 months; the mart keeps
-- 60) are not touched (staging no longer holds their events, so an opt-out no longer reaches them), but
-- they still count for their pair's first day.

create table marts.marts_product_feature_usage (
    usage_date date not null,
    user_id uuid not null,
    feature_name varchar(50) not null,
    usage_count integer not null default 0,
    time_spent_seconds bigint not null default 0,
    first_used_at timestamptz,
    is_first_use_ever boolean not null default false,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (usage_date, user_id, feature_name)
);

create index idx_marts_feature_usage_user on marts.marts_product_feature_usage (user_id, feature_name, usage_date);

comment on table marts.marts_product_feature_usage is
    'Fact: feature usage by day. Grain: one row per feature per user per day on which the user used the feature '
    '(feature_used events). Use: feature adoption, A/B test results.';
comment on column marts.marts_product_feature_usage.usage_date is 'The UTC day.';
comment on column marts.marts_product_feature_usage.user_id is 'The user.';
comment on column marts.marts_product_feature_usage.feature_name is 'The app feature.';
comment on column marts.marts_product_feature_usage.usage_count is 'feature_used events of the feature that day.';
comment on column marts.marts_product_feature_usage.time_spent_seconds is 'Seconds spent in the feature that day (sum of the events'' durations).';
comment on column marts.marts_product_feature_usage.first_used_at is 'The first use of the feature that day.';
comment on column marts.marts_product_feature_usage.is_first_use_ever is 'This is the user''s first day with the feature in the warehouse.';
comment on column marts.marts_product_feature_usage.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_product_feature_usage._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_product_feature_usage__touched(p_from_batch bigint, p_to_batch bigint)
returns table (usage_date date, user_id uuid, feature_name varchar(50))
language sql
stable
begin atomic
    with changed_users as (
        select u.user_id, u.is_hard_deleted, u.analytics_opt_out
        from staging.stg_supabase_users as u
        where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
    ),
    changed_pairs as (
        select distinct e.user_id, e.feature_name
        from staging.stg_supabase_product_events as e
        where e._batch_id > p_from_batch and e._batch_id <= p_to_batch
          and e.event_name = 'feature_used' and e.user_id is not null and e.feature_name is not null and e.event_date is not null
    )
    -- every day of a pair with a use the batches changed
    select e.event_date, e.user_id, e.feature_name
    from staging.stg_supabase_product_events as e
    join changed_pairs as c on c.user_id = e.user_id and c.feature_name = e.feature_name
    where e.event_name = 'feature_used' and e.event_date is not null
    union
    -- the days of a user whose staging row changed and no longer matches the mart's opt-out, that staging holds
    select m.usage_date, m.user_id, m.feature_name
    from marts.marts_product_feature_usage as m
    join changed_users as u on u.user_id = m.user_id
    where not u.is_hard_deleted and m.analytics_opt_out is distinct from u.analytics_opt_out
      and exists (
          select 1
          from staging.stg_supabase_product_events as e
          where e.user_id = m.user_id and e.feature_name = m.feature_name and e.event_date = m.usage_date
            and e.event_name = 'feature_used')
    union
    -- every row of a user hard-deleted, also the days staging no longer holds
    select m.usage_date, m.user_id, m.feature_name
    from marts.marts_product_feature_usage as m
    join changed_users as u on u.user_id = m.user_id
    where u.is_hard_deleted
    union
    -- every day of a user whose staging row changed and of whom the mart holds no row (back after a hard delete);
    -- the days of the batches' own uses are those of the changed pairs above
    select e.event_date, e.user_id, e.feature_name
    from changed_users as u
    join staging.stg_supabase_product_events as e on e.user_id = u.user_id
    where not u.is_hard_deleted
      and not exists (select 1 from marts.marts_product_feature_usage as m where m.user_id = u.user_id)
      and e.event_name = 'feature_used' and e.feature_name is not null and e.event_date is not null
      and e._batch_id <= p_from_batch;
end;

comment on function marts.marts_product_feature_usage__touched(bigint, bigint) is
    'Model marts_product_feature_usage: the (usage_date, user_id, feature_name) days to recompute for batches '
    '(p_from_batch, p_to_batch]: every day of a (user, feature) with a feature_used event the batches changed; of a user '
    'whose staging row they changed, the days whose opt-out no longer matches the user''s, every row if they hard-deleted '
    'the user, every day staging holds if the mart holds none.';

create function marts.marts_product_feature_usage__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_product_feature_usage
language sql
stable
begin atomic
    with touched as (
        select t.usage_date, t.user_id, t.feature_name
        from marts.marts_product_feature_usage__touched(p_from_batch, p_to_batch) as t
    ),
    usage_day as (
        select e.user_id, e.feature_name, e.event_date as usage_date, count(*)::integer as usage_count,
               coalesce(sum(e.duration_seconds), 0)::bigint as time_spent_seconds, min(e.occurred_at) as first_used_at
        from staging.stg_supabase_product_events as e
        join touched as t on t.user_id = e.user_id and t.feature_name = e.feature_name and t.usage_date = e.event_date
        where e.event_name = 'feature_used' and not e.is_hard_deleted
        group by e.user_id, e.feature_name, e.event_date
    ),
    computed as (
        select d.usage_date, d.user_id, d.feature_name, d.usage_count, d.time_spent_seconds, d.first_used_at,
               coalesce(u.analytics_opt_out, false) as analytics_opt_out
        from usage_day as d
        left join staging.stg_supabase_users as u on u.user_id = d.user_id
        where not coalesce(u.is_hard_deleted, false)
    ),
    -- the days of the same (user, feature) pairs that the mart keeps and that are not recomputed
    -- (beyond staging's retention): they count for the pair's first day
    kept as (
        select m.usage_date, m.user_id, m.feature_name
        from marts.marts_product_feature_usage as m
        where (m.user_id, m.feature_name) in (select c.user_id, c.feature_name from computed as c)
        except
        select t.usage_date, t.user_id, t.feature_name
        from touched as t
    ),
    days as (
        select c.usage_date, c.user_id, c.feature_name, c.usage_count, c.time_spent_seconds, c.first_used_at,
               c.analytics_opt_out, true as is_recomputed
        from computed as c
        union all
        select k.usage_date, k.user_id, k.feature_name, null, null, null, null, false
        from kept as k
    ),
    with_first_day as (
        select d.*, min(d.usage_date) over (partition by d.user_id, d.feature_name) as first_date
        from days as d
    ),
    final as (
        select
            f.usage_date,
            f.user_id,
            f.feature_name,
            f.usage_count,
            f.time_spent_seconds,
            f.first_used_at,
            f.usage_date = f.first_date as is_first_use_ever,
            f.analytics_opt_out,
            now() as _dbt_loaded_at
        from with_first_day as f
        where f.is_recomputed
    )
    select * from final;
end;

comment on function marts.marts_product_feature_usage__rows(bigint, bigint) is
    'Model marts_product_feature_usage: the mart rows of the days of marts_product_feature_usage__touched (batches '
    '(p_from_batch, p_to_batch]), computed from the feature_used events in staging, with is_first_use_ever against every '
    'day of the (user, feature) in staging or kept in the mart; days without a use left, and hard-deleted users, have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_product_feature_usage', 'marts', 'marts', 'marts_product_feature_usage', 'recompute_keys', '{usage_date,user_id,feature_name}',
    'marts.marts_product_feature_usage__rows', 'marts.marts_product_feature_usage__touched', '{usage_date,user_id,feature_name}',
    'one row per feature per user per day');

insert into warehouse.model_state (model_name) values ('marts_product_feature_usage');

select warehouse.enable_mart_rls('marts_product_feature_usage');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_product_feature_usage', 'user_id = $1');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_product_feature_usage__pk__unique', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'unique', null, null, '{"columns": ["usage_date", "user_id", "feature_name"]}', 'error', 'One row per feature per user per day.'),
    ('marts_product_feature_usage__user_id__not_null', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'not_null', 'user_id', null, '{}', 'error', 'Every usage row has a user.'),
    ('marts_product_feature_usage__feature_name__not_null', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'not_null', 'feature_name', 'user_id', '{}', 'error', 'Every usage row has a feature.'),
    ('marts_product_feature_usage__usage_date__not_null', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'not_null', 'usage_date', 'user_id', '{}', 'error', 'Every usage row has a day.'),
    ('marts_product_feature_usage__feature_name__accepted_values', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'accepted_values', 'feature_name', 'user_id',
        '{"values": ["pet_profile", "health_log", "vaccine_tracker", "care_reminders", "weight_tracker", "vet_finder", "photo_journal", "medication_schedule"]}',
        'warn', 'Features are the app''s eight (warn: a new feature can ship before the warehouse knows it).'),
    ('marts_product_feature_usage__no_negative_metrics', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'no_negative', null, 'user_id', '{"columns": ["usage_count", "time_spent_seconds"]}', 'error',
        'Usage counts and time spent are never negative.'),
    ('marts_product_feature_usage__user_id__relationships', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'relationships', 'user_id', 'user_id', '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'warn',
        'Feature usage names known users.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_product_feature_usage', 'marts', 60, 'delete_rows', 'usage_date',
        'Marts keep 5 years of daily feature usage.');
