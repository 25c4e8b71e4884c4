-- Marts
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

create function marts.refresh_marts_product_feature_usage(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_touched bigint;
    v_removed bigint;
    v_deleted bigint;
    v_upserted bigint;
    v_first bigint;
    v_opt_out bigint;
    v_result warehouse.refresh_result;
begin
    -- The (user, feature, day) triples whose feature_used events changed in these batches.
    create temporary table if not exists feature_usage_touched (
        user_id uuid not null, feature_name varchar(50) not null, usage_date date not null
    ) on commit drop;
    truncate pg_temp.feature_usage_touched;
    insert into pg_temp.feature_usage_touched (user_id, feature_name, usage_date)
    select distinct e.user_id, e.feature_name, e.event_date
    from staging.stg_supabase_product_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch
      and e.event_name = 'feature_used' and e.user_id is not null and e.feature_name is not null and e.event_date is not null;
    get diagnostics v_touched = row_count;
    analyze pg_temp.feature_usage_touched;

    create temporary table if not exists feature_usage_computed (like marts.marts_product_feature_usage) on commit drop;
    truncate pg_temp.feature_usage_computed;
    insert into pg_temp.feature_usage_computed (
        usage_date, user_id, feature_name, usage_count, time_spent_seconds, first_used_at, is_first_use_ever,
        analytics_opt_out, _dbt_loaded_at
    )
    with usage_day as (
        select e.user_id, e.feature_name, e.event_date as usage_date, count(*)::integer as usage_count,
               coalesce(sum(e.duration_seconds), 0)::bigint as time_spent_seconds, min(e.occurred_at) as first_used_at
        from staging.stg_supabase_product_events as e
        join pg_temp.feature_usage_touched as t
            on t.user_id = e.user_id and t.feature_name = e.feature_name and t.usage_date = e.event_date
        where e.event_name = 'feature_used' and not e.is_hard_deleted
        group by 1, 2, 3
    ),
    final as (
        select d.usage_date, d.user_id, d.feature_name, d.usage_count, d.time_spent_seconds, d.first_used_at,
               false as is_first_use_ever, coalesce(u.analytics_opt_out, false) as analytics_opt_out, now() as _dbt_loaded_at
        from usage_day as d
        left join staging.stg_supabase_users as u on u.user_id = d.user_id
        where not coalesce(u.is_hard_deleted, false)
    )
    select * from final;
    analyze pg_temp.feature_usage_computed;

    -- Hard-deleted users leave the mart, every day of them.
    delete from marts.marts_product_feature_usage as m
    using staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch and u.is_hard_deleted and m.user_id = u.user_id;
    get diagnostics v_removed = row_count;

    -- Touched triples with no use left (deleted events) leave the mart.
    delete from marts.marts_product_feature_usage as m
    using pg_temp.feature_usage_touched as t
    where m.user_id = t.user_id and m.feature_name = t.feature_name and m.usage_date = t.usage_date
      and not exists (
          select 1 from pg_temp.feature_usage_computed as c
          where c.user_id = t.user_id and c.feature_name = t.feature_name and c.usage_date = t.usage_date);
    get diagnostics v_deleted = row_count;

    insert into marts.marts_product_feature_usage as m
    select * from pg_temp.feature_usage_computed
    on conflict (usage_date, user_id, feature_name) do update
    set usage_count = excluded.usage_count,
        time_spent_seconds = excluded.time_spent_seconds,
        first_used_at = excluded.first_used_at,
        analytics_opt_out = excluded.analytics_opt_out,
        _dbt_loaded_at = excluded._dbt_loaded_at;
    get diagnostics v_upserted = row_count;

    -- A late or deleted event can move a (user, feature)'s first day: re-mark the touched pairs.
    with pairs as (
        select distinct t.user_id, t.feature_name from pg_temp.feature_usage_touched as t
    ),
    firsts as (
        select m.user_id, m.feature_name, min(m.usage_date) as first_date
        from marts.marts_product_feature_usage as m
        join pairs as p on p.user_id = m.user_id and p.feature_name = m.feature_name
        group by 1, 2
    )
    update marts.marts_product_feature_usage as m
    set is_first_use_ever = (m.usage_date = f.first_date)
    from firsts as f
    where m.user_id = f.user_id and m.feature_name = f.feature_name
      and m.is_first_use_ever is distinct from (m.usage_date = f.first_date);
    get diagnostics v_first = row_count;

    -- A user who opted out (or back in) since: their other days follow.
    update marts.marts_product_feature_usage as m
    set analytics_opt_out = u.analytics_opt_out, _dbt_loaded_at = now()
    from staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
      and m.user_id = u.user_id and m.analytics_opt_out is distinct from u.analytics_opt_out;
    get diagnostics v_opt_out = row_count;

    v_result.rows_in := v_touched;
    v_result.rows_out := v_removed + v_deleted + v_upserted + v_first + v_opt_out;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_product_feature_usage(bigint, bigint) is
    'Model marts_product_feature_usage: recomputes the (user, feature, day) rows whose feature_used events changed in '
    'batches (p_from_batch, p_to_batch] from staging, re-marks is_first_use_ever for the touched (user, feature) pairs, '
    'removes hard-deleted users and follows opt-out changes; rows_in counts the touched triples.';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('marts_product_feature_usage', 'marts', 'marts', 'marts_product_feature_usage',
        '{staging.stg_supabase_product_events,staging.stg_supabase_users}',
        'marts.refresh_marts_product_feature_usage', 'one row per feature per user per day');

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
