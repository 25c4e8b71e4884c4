-- Product usage domain (the seed's "Domain: Product Usage"): feature adoption and funnels.
--
-- One new source, public.product_events (insert-only: feature uses and funnel steps), through the
-- machinery every source uses: a raw table made by warehouse.prepare_raw_table, registry rows in
-- warehouse.sources / source_columns, a staging model (SCD1 merge, like the core ones), two marts
-- refreshed for what the new batches touched, quality tests as rows, retention policies, row-level
-- security and erasure registration, and two KPI views with the invoker's rights.

-- ---------------------------------------------------------------------------------------------
-- Raw
-- ---------------------------------------------------------------------------------------------

create table raw.raw_supabase_product_events (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    user_id uuid,
    session_id uuid,
    event_name varchar(50),
    feature_name varchar(50),
    funnel_name varchar(50),
    funnel_step varchar(50),
    step_number smallint,
    duration_seconds integer,
    properties jsonb,
    occurred_at timestamptz,
    created_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_product_events');
select count(*) from warehouse.ensure_partitions();

comment on table raw.raw_supabase_product_events is
    'Raw product events: one row per extracted product event (public.product_events: feature uses and funnel steps), '
    'append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_product_events.id is 'Event id.';
comment on column raw.raw_supabase_product_events.user_id is 'The account that produced the event.';
comment on column raw.raw_supabase_product_events.session_id is 'The app session the event happened in; NULL when outside one.';
comment on column raw.raw_supabase_product_events.event_name is 'feature_used or funnel_step.';
comment on column raw.raw_supabase_product_events.feature_name is 'For feature_used: the app feature used.';
comment on column raw.raw_supabase_product_events.funnel_name is 'For funnel_step: the funnel (onboarding, premium_upgrade).';
comment on column raw.raw_supabase_product_events.funnel_step is 'For funnel_step: the step reached.';
comment on column raw.raw_supabase_product_events.step_number is 'For funnel_step: the step''s position in its funnel, from 1.';
comment on column raw.raw_supabase_product_events.duration_seconds is 'For feature_used: seconds spent in the feature.';
comment on column raw.raw_supabase_product_events.properties is
    'Event properties as extracted. Staging keeps them only when they hold no PII (warehouse.jsonb_has_pii).';
comment on column raw.raw_supabase_product_events.occurred_at is 'When the event happened.';
comment on column raw.raw_supabase_product_events.created_at is 'When the source row was written (the change-tracking column).';

-- ---------------------------------------------------------------------------------------------
-- Source registry
-- ---------------------------------------------------------------------------------------------

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values ('supabase_product_events', 'public', 'product_events', 'id', 'created_at', 'raw_supabase_product_events', 's.user_id');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_product_events', 'id', 'uuid', 'id', null),
    ('supabase_product_events', 'user_id', 'uuid', 'user_id', null),
    ('supabase_product_events', 'session_id', 'uuid', 'session_id', null),
    ('supabase_product_events', 'event_name', 'character varying(50)', 'event_name', null),
    ('supabase_product_events', 'feature_name', 'character varying(50)', 'feature_name', null),
    ('supabase_product_events', 'funnel_name', 'character varying(50)', 'funnel_name', null),
    ('supabase_product_events', 'funnel_step', 'character varying(50)', 'funnel_step', null),
    ('supabase_product_events', 'step_number', 'smallint', 'step_number', null),
    ('supabase_product_events', 'duration_seconds', 'integer', 'duration_seconds', null),
    ('supabase_product_events', 'properties', 'jsonb', 'properties', null),
    ('supabase_product_events', 'occurred_at', 'timestamp with time zone', 'occurred_at', null),
    ('supabase_product_events', 'created_at', 'timestamp with time zone', 'created_at', null);

select warehouse.install_delete_capture('supabase_product_events');

-- The pipeline's role reads the source (production has the table; locally it is loaded first).
do $$
begin
    if to_regclass('public.product_events') is not null then
        grant select on public.product_events to warehouse_pipeline;
    end if;
end
$$;

-- ---------------------------------------------------------------------------------------------
-- Staging
-- ---------------------------------------------------------------------------------------------

create function warehouse.jsonb_has_pii(p_value jsonb)
returns boolean
language sql
immutable
parallel safe
set search_path = ''
as $$
    select coalesce(
        -- a key that names personal data, at any depth
        p_value::text ~* '"(e_?mail|email_address|first_?name|last_?name|full_?name|name|user_?name|phone|phone_number|mobile|address|street|postcode|postal_code|zip|zip_code|ip|ip_address|password|ssn|birth_?date|dob|lat|lng|lon|latitude|longitude)"\s*:'
        -- or a value that looks like an email address or an IPv4 address
        or p_value::text ~* '[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}'
        or p_value::text ~ '(^|[^0-9.])([0-9]{1,3}\.){3}[0-9]{1,3}([^0-9.]|$)',
        false)
$$;

comment on function warehouse.jsonb_has_pii(jsonb) is
    'Whether a JSON document may hold PII: a key naming personal data (email, name, phone, address, ip, password, '
    'birth date, coordinates...) at any depth, or a value that looks like an email or IPv4 address. Staging drops '
    'such event properties whole.';

create table staging.stg_supabase_product_events (
    event_id uuid primary key,
    user_id uuid,
    session_id uuid,
    event_name varchar(50),
    feature_name varchar(50),
    funnel_name varchar(50),
    funnel_step varchar(50),
    step_number smallint,
    duration_seconds integer,
    properties jsonb,
    properties_withheld boolean not null default false,
    event_date date,
    occurred_at timestamptz,
    created_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_product_events_user_occurred on staging.stg_supabase_product_events (user_id, occurred_at);
create index idx_stg_product_events_batch on staging.stg_supabase_product_events (_batch_id);
create index idx_stg_product_events_feature_day on staging.stg_supabase_product_events (user_id, feature_name, event_date)
    where event_name = 'feature_used';
create index idx_stg_product_events_funnel on staging.stg_supabase_product_events (user_id, funnel_name)
    where event_name = 'funnel_step';

comment on table staging.stg_supabase_product_events is
    'Staging product events: one row per product event (feature use or funnel step), current state (SCD1). '
    'Properties are kept only when they hold no PII (warehouse.jsonb_has_pii); otherwise NULL and properties_withheld.';
comment on column staging.stg_supabase_product_events.event_id is 'Event id.';
comment on column staging.stg_supabase_product_events.user_id is 'The account that produced the event.';
comment on column staging.stg_supabase_product_events.session_id is 'The app session of the event; NULL when outside one.';
comment on column staging.stg_supabase_product_events.event_name is 'feature_used or funnel_step.';
comment on column staging.stg_supabase_product_events.feature_name is 'For feature_used: the app feature used.';
comment on column staging.stg_supabase_product_events.funnel_name is 'For funnel_step: the funnel.';
comment on column staging.stg_supabase_product_events.funnel_step is 'For funnel_step: the step reached.';
comment on column staging.stg_supabase_product_events.step_number is 'For funnel_step: the step''s position in its funnel, from 1.';
comment on column staging.stg_supabase_product_events.duration_seconds is 'For feature_used: seconds spent in the feature.';
comment on column staging.stg_supabase_product_events.properties is
    'Event properties, only when they hold no PII (warehouse.jsonb_has_pii is false); NULL otherwise.';
comment on column staging.stg_supabase_product_events.properties_withheld is 'The source properties looked like PII and were dropped.';
comment on column staging.stg_supabase_product_events.event_date is 'UTC date of occurred_at.';
comment on column staging.stg_supabase_product_events.occurred_at is 'When the event happened.';
comment on column staging.stg_supabase_product_events.created_at is 'When the source row was written.';
comment on column staging.stg_supabase_product_events.is_hard_deleted is 'The event was deleted from the source.';
comment on column staging.stg_supabase_product_events.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_product_events._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_product_events._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_product_events._dbt_loaded_at is 'When the pipeline last wrote the row.';

create function staging.refresh_stg_supabase_product_events(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_result warehouse.refresh_result;
begin
    with new_versions as (
        select distinct on (r.id) r.*
        from raw.raw_supabase_product_events as r
        where r.batch_id > p_from_batch and r.batch_id <= p_to_batch
        order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
    ),
    merged as (
        insert into staging.stg_supabase_product_events as s (
            event_id, user_id, session_id, event_name, feature_name, funnel_name, funnel_step, step_number,
            duration_seconds, properties, properties_withheld, event_date, occurred_at, created_at, _changed_at,
            _batch_id, _dbt_loaded_at
        )
        select
            v.id,
            v.user_id,
            v.session_id,
            v.event_name,
            v.feature_name,
            v.funnel_name,
            v.funnel_step,
            v.step_number,
            v.duration_seconds,
            case when pii.has_pii then null else v.properties end,
            pii.has_pii,
            (v.occurred_at at time zone 'UTC')::date,
            v.occurred_at,
            v.created_at,
            v.changed_at,
            v.batch_id,
            now()
        from new_versions as v
        cross join lateral (select warehouse.jsonb_has_pii(v.properties) as has_pii offset 0) as pii
        where not v.is_tombstone
        on conflict (event_id) do update
        set user_id = excluded.user_id,
            session_id = excluded.session_id,
            event_name = excluded.event_name,
            feature_name = excluded.feature_name,
            funnel_name = excluded.funnel_name,
            funnel_step = excluded.funnel_step,
            step_number = excluded.step_number,
            duration_seconds = excluded.duration_seconds,
            properties = excluded.properties,
            properties_withheld = excluded.properties_withheld,
            event_date = excluded.event_date,
            occurred_at = excluded.occurred_at,
            created_at = excluded.created_at,
            is_hard_deleted = false,
            hard_deleted_at = null,
            _changed_at = excluded._changed_at,
            _batch_id = excluded._batch_id,
            _dbt_loaded_at = excluded._dbt_loaded_at
        where s._changed_at is null or excluded._changed_at >= s._changed_at
        returning 1
    ),
    tombstoned as (
        update staging.stg_supabase_product_events as s
        set is_hard_deleted = true, hard_deleted_at = v.changed_at, _changed_at = v.changed_at,
            _batch_id = v.batch_id, _dbt_loaded_at = now()
        from new_versions as v
        where v.is_tombstone and s.event_id = v.id and (s._changed_at is null or v.changed_at >= s._changed_at)
        returning 1
    )
    select (select count(*) from new_versions), (select count(*) from merged) + (select count(*) from tombstoned)
    into v_result.rows_in, v_result.rows_out;
    return v_result;
end;
$$;

comment on function staging.refresh_stg_supabase_product_events(bigint, bigint) is
    'Model stg_supabase_product_events: merges the newest raw version of each product event in batches '
    '(p_from_batch, p_to_batch], dropping properties that may hold PII.';

-- ---------------------------------------------------------------------------------------------
-- Marts
-- ---------------------------------------------------------------------------------------------

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

create table marts.marts_product_funnel_events (
    user_id uuid not null,
    funnel_name varchar(50) not null,
    step_name varchar(50) not null,
    step_number smallint not null,
    reached_at timestamptz not null,
    previous_step_reached_at timestamptz,
    seconds_from_previous_step bigint,
    converted_to_next boolean not null default false,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (user_id, funnel_name, step_name)
);

create index idx_marts_funnel_events_funnel_step on marts.marts_product_funnel_events (funnel_name, step_number);

comment on table marts.marts_product_funnel_events is
    'Fact: funnel progress. Grain: one row per funnel step per user (per funnel), at the first time the user reached it. '
    'Use: funnel analysis, drop-off identification.';
comment on column marts.marts_product_funnel_events.user_id is 'The user.';
comment on column marts.marts_product_funnel_events.funnel_name is 'The funnel (onboarding, premium_upgrade).';
comment on column marts.marts_product_funnel_events.step_name is 'The step reached.';
comment on column marts.marts_product_funnel_events.step_number is 'Its position in the funnel, from 1.';
comment on column marts.marts_product_funnel_events.reached_at is 'The first time the user reached the step.';
comment on column marts.marts_product_funnel_events.previous_step_reached_at is 'When the user first reached the previous step (step_number - 1); NULL for step 1 or when never reached.';
comment on column marts.marts_product_funnel_events.seconds_from_previous_step is 'Seconds from previous_step_reached_at to reached_at; never negative in published data.';
comment on column marts.marts_product_funnel_events.converted_to_next is 'The user also reached the next step (step_number + 1) of the funnel; false at its last step.';
comment on column marts.marts_product_funnel_events.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_product_funnel_events._dbt_loaded_at is 'When the pipeline wrote the row.';

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

create function marts.refresh_marts_product_funnel_events(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_touched bigint;
    v_removed bigint;
    v_deleted bigint;
    v_inserted bigint;
    v_opt_out bigint;
    v_result warehouse.refresh_result;
begin
    -- The (user, funnel) pairs whose funnel_step events changed in these batches: each is recomputed whole,
    -- since a step's row depends on its neighbours.
    create temporary table if not exists funnel_touched (user_id uuid not null, funnel_name varchar(50) not null) on commit drop;
    truncate pg_temp.funnel_touched;
    insert into pg_temp.funnel_touched (user_id, funnel_name)
    select distinct e.user_id, e.funnel_name
    from staging.stg_supabase_product_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch
      and e.event_name = 'funnel_step' and e.user_id is not null and e.funnel_name is not null;
    get diagnostics v_touched = row_count;
    analyze pg_temp.funnel_touched;

    delete from marts.marts_product_funnel_events as m
    using staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch and u.is_hard_deleted and m.user_id = u.user_id;
    get diagnostics v_removed = row_count;

    delete from marts.marts_product_funnel_events as m
    using pg_temp.funnel_touched as t
    where m.user_id = t.user_id and m.funnel_name = t.funnel_name;
    get diagnostics v_deleted = row_count;

    insert into marts.marts_product_funnel_events (
        user_id, funnel_name, step_name, step_number, reached_at, previous_step_reached_at, seconds_from_previous_step,
        converted_to_next, analytics_opt_out, _dbt_loaded_at
    )
    with steps as (
        select e.user_id, e.funnel_name, e.funnel_step as step_name, min(e.step_number) as step_number,
               min(e.occurred_at) as reached_at
        from staging.stg_supabase_product_events as e
        join pg_temp.funnel_touched as t on t.user_id = e.user_id and t.funnel_name = e.funnel_name
        where e.event_name = 'funnel_step' and not e.is_hard_deleted
          and e.funnel_step is not null and e.step_number is not null and e.occurred_at is not null
        group by 1, 2, 3
    ),
    by_number as (
        select s.user_id, s.funnel_name, s.step_number, min(s.reached_at) as reached_at
        from steps as s
        group by 1, 2, 3
    ),
    neighbours as (
        select
            b.user_id,
            b.funnel_name,
            b.step_number,
            case when lag(b.step_number) over w = b.step_number - 1 then lag(b.reached_at) over w end as previous_step_reached_at,
            coalesce(lead(b.step_number) over w = b.step_number + 1, false) as converted_to_next
        from by_number as b
        window w as (partition by b.user_id, b.funnel_name order by b.step_number)
    ),
    final as (
        select
            s.user_id,
            s.funnel_name,
            s.step_name,
            s.step_number,
            s.reached_at,
            n.previous_step_reached_at,
            extract(epoch from s.reached_at - n.previous_step_reached_at)::bigint as seconds_from_previous_step,
            n.converted_to_next,
            coalesce(u.analytics_opt_out, false) as analytics_opt_out,
            now() as _dbt_loaded_at
        from steps as s
        join neighbours as n
            on n.user_id = s.user_id and n.funnel_name = s.funnel_name and n.step_number = s.step_number
        left join staging.stg_supabase_users as u on u.user_id = s.user_id
        where not coalesce(u.is_hard_deleted, false)
    )
    select * from final;
    get diagnostics v_inserted = row_count;

    update marts.marts_product_funnel_events as m
    set analytics_opt_out = u.analytics_opt_out, _dbt_loaded_at = now()
    from staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
      and m.user_id = u.user_id and m.analytics_opt_out is distinct from u.analytics_opt_out;
    get diagnostics v_opt_out = row_count;

    v_result.rows_in := v_touched;
    v_result.rows_out := v_removed + v_deleted + v_inserted + v_opt_out;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_product_funnel_events(bigint, bigint) is
    'Model marts_product_funnel_events: recomputes every step of the (user, funnel) pairs whose funnel_step events '
    'changed in batches (p_from_batch, p_to_batch] from staging (first reach per step, time from the previous step, '
    'whether the next was reached), removes hard-deleted users and follows opt-out changes; rows_in counts the pairs.';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('stg_supabase_product_events', 'staging', 'staging', 'stg_supabase_product_events', '{raw.raw_supabase_product_events}',
        'staging.refresh_stg_supabase_product_events', 'one row per product event'),
    ('marts_product_feature_usage', 'marts', 'marts', 'marts_product_feature_usage',
        '{staging.stg_supabase_product_events,staging.stg_supabase_users}',
        'marts.refresh_marts_product_feature_usage', 'one row per feature per user per day'),
    ('marts_product_funnel_events', 'marts', 'marts', 'marts_product_funnel_events',
        '{staging.stg_supabase_product_events,staging.stg_supabase_users}',
        'marts.refresh_marts_product_funnel_events', 'one row per funnel step per user (per funnel)');

insert into warehouse.model_state (model_name)
values ('stg_supabase_product_events'), ('marts_product_feature_usage'), ('marts_product_funnel_events');

-- ---------------------------------------------------------------------------------------------
-- Privacy: row-level security, erasure
-- ---------------------------------------------------------------------------------------------

select warehouse.enable_mart_rls(t)
from unnest(array['marts_product_feature_usage', 'marts_product_funnel_events']) as t;

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('raw', 'raw_supabase_product_events', 'user_id = $1'),
    ('staging', 'stg_supabase_product_events', 'user_id = $1'),
    ('marts', 'marts_product_feature_usage', 'user_id = $1'),
    ('marts', 'marts_product_funnel_events', 'user_id = $1');

-- ---------------------------------------------------------------------------------------------
-- Quality tests
-- ---------------------------------------------------------------------------------------------

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_product_events__event_id__unique', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'unique', 'event_id', 'event_id', '{}', 'error', 'Each product event appears once in staging.'),
    ('stg_supabase_product_events__user_id__not_null', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'not_null', 'user_id', 'event_id', '{"where": "not is_hard_deleted"}', 'error', 'Every product event belongs to a user.'),
    ('stg_supabase_product_events__user_id__relationships', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'relationships', 'user_id', 'event_id', '{"to_schema": "staging", "to_table": "stg_supabase_users", "to_column": "user_id"}', 'error',
        'Every product event''s user exists in staging.'),
    ('stg_supabase_product_events__event_name__accepted_values', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'accepted_values', 'event_name', 'event_id', '{"values": ["feature_used", "funnel_step"]}', 'error',
        'Product events are feature uses or funnel steps.'),
    ('stg_supabase_product_events__feature_name__accepted_values', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'accepted_values', 'feature_name', 'event_id',
        '{"values": ["pet_profile", "health_log", "vaccine_tracker", "care_reminders", "weight_tracker", "vet_finder", "photo_journal", "medication_schedule"]}',
        'warn', 'Features are the app''s eight (warn: a new feature can ship before the warehouse knows it).'),
    ('stg_supabase_product_events__no_negative_duration', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'no_negative', 'duration_seconds', 'event_id', '{}', 'error', 'Time spent in a feature is never negative.'),
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
        'Feature usage names known users.'),
    ('marts_product_funnel_events__pk__unique', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'unique', null, null, '{"columns": ["user_id", "funnel_name", "step_name"]}', 'error', 'One row per funnel step per user.'),
    ('marts_product_funnel_events__user_id__not_null', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'not_null', 'user_id', null, '{}', 'error', 'Every funnel row has a user.'),
    ('marts_product_funnel_events__reached_at__not_null', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'not_null', 'reached_at', 'user_id', '{}', 'error', 'Every funnel step has the time it was reached.'),
    ('marts_product_funnel_events__funnel_name__accepted_values', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'accepted_values', 'funnel_name', 'user_id', '{"values": ["onboarding", "premium_upgrade"]}', 'warn',
        'Funnels are the ones the app tracks (warn: a new funnel can ship before the warehouse knows it).'),
    ('marts_product_funnel_events__step_before_previous', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'expression', null, 'user_id', '{"where": "seconds_from_previous_step < 0"}', 'error',
        'No funnel step is reached before its previous step (a client clock or tracking bug).'),
    ('marts_product_funnel_events__user_id__relationships', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'relationships', 'user_id', 'user_id', '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'warn',
        'Funnel steps name known users.');

-- ---------------------------------------------------------------------------------------------
-- Retention
-- ---------------------------------------------------------------------------------------------

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_product_events', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted product events; older monthly partitions are archived, then dropped.'),
    ('staging', 'stg_supabase_product_events', 'staging', 36, 'delete_rows', 'occurred_at',
        'Staging keeps 3 years of product events, by event time.'),
    ('marts', 'marts_product_feature_usage', 'marts', 60, 'delete_rows', 'usage_date',
        'Marts keep 5 years of daily feature usage.'),
    ('marts', 'marts_product_funnel_events', 'marts', 60, 'delete_rows', 'reached_at',
        'Marts keep 5 years of funnel steps, by the time reached.');

-- ---------------------------------------------------------------------------------------------
-- KPI views (the invoker's rights: analysts never count users who opted out)
-- ---------------------------------------------------------------------------------------------

create view marts.kpi_feature_adoption
with (security_invoker = true)
as
with window_usage as (
    select f.user_id, f.feature_name, f.usage_count, f.time_spent_seconds
    from marts.marts_product_feature_usage as f
    where f.usage_date > current_date - 30
),
active_users as (
    select w.user_id from window_usage as w
    union
    select e.user_id from marts.marts_product_funnel_events as e
    where (e.reached_at at time zone 'UTC')::date > current_date - 30
    union
    select a.user_id from marts.marts_core_user_activity_daily as a
    where a.activity_date > current_date - 30 and a.login_count > 0
),
active_count as (
    select count(*) as active_users from active_users
),
per_feature as (
    select w.feature_name, count(distinct w.user_id) as users, sum(w.usage_count) as total_usage,
           sum(w.time_spent_seconds) as total_time
    from window_usage as w
    group by w.feature_name
),
final as (
    select
        p.feature_name,
        p.users::bigint as users_last_30_days,
        a.active_users::bigint as active_users_last_30_days,
        round(p.users::numeric / nullif(a.active_users, 0), 4) as adoption_rate,
        p.total_usage::bigint as total_usage,
        p.total_time::bigint as total_time_spent_seconds,
        round(p.total_time::numeric / nullif(p.total_usage, 0), 1) as avg_seconds_per_use,
        round(p.total_time::numeric / nullif(p.users, 0), 1) as avg_seconds_per_user
    from per_feature as p
    cross join active_count as a
)
select * from final;

comment on view marts.kpi_feature_adoption is
    'KPI: feature adoption over the 30 days ending today (UTC). Grain: one row per feature used in that window. Active '
    'users = users with a feature use, a funnel step first reached, or a successful login in the window.';
comment on column marts.kpi_feature_adoption.feature_name is 'The app feature.';
comment on column marts.kpi_feature_adoption.users_last_30_days is 'Users who used the feature in the window.';
comment on column marts.kpi_feature_adoption.active_users_last_30_days is
    'Active users in the window: any feature use, any funnel step first reached, or a login (the adoption denominator).';
comment on column marts.kpi_feature_adoption.adoption_rate is 'users_last_30_days / active_users_last_30_days.';
comment on column marts.kpi_feature_adoption.total_usage is 'Uses of the feature in the window.';
comment on column marts.kpi_feature_adoption.total_time_spent_seconds is 'Seconds spent in the feature in the window.';
comment on column marts.kpi_feature_adoption.avg_seconds_per_use is 'total_time_spent_seconds / total_usage.';
comment on column marts.kpi_feature_adoption.avg_seconds_per_user is 'total_time_spent_seconds / users_last_30_days.';

create view marts.kpi_funnel_conversion
with (security_invoker = true)
as
with steps as (
    select e.funnel_name, e.step_number, e.step_name, count(distinct e.user_id) as users_reached
    from marts.marts_product_funnel_events as e
    group by e.funnel_name, e.step_number, e.step_name
),
final as (
    select
        s.funnel_name,
        s.step_number,
        s.step_name,
        s.users_reached::bigint as users_reached,
        p.users_reached::bigint as users_previous_step,
        round(s.users_reached::numeric / nullif(p.users_reached, 0), 4) as conversion_from_previous,
        (p.users_reached - s.users_reached)::bigint as drop_off_from_previous,
        round(1 - s.users_reached::numeric / nullif(p.users_reached, 0), 4) as drop_off_rate_from_previous,
        round(s.users_reached::numeric / nullif(f.users_reached, 0), 4) as overall_conversion
    from steps as s
    left join steps as p on p.funnel_name = s.funnel_name and p.step_number = s.step_number - 1
    left join steps as f on f.funnel_name = s.funnel_name and f.step_number = 1
)
select * from final;

comment on view marts.kpi_funnel_conversion is
    'KPI: funnel conversion, all time. Grain: one row per funnel per step: users reaching it, conversion and drop-off '
    'from the previous step, overall conversion from step 1.';
comment on column marts.kpi_funnel_conversion.funnel_name is 'The funnel.';
comment on column marts.kpi_funnel_conversion.step_number is 'The step''s position, from 1.';
comment on column marts.kpi_funnel_conversion.step_name is 'The step.';
comment on column marts.kpi_funnel_conversion.users_reached is 'Users who reached the step.';
comment on column marts.kpi_funnel_conversion.users_previous_step is 'Users who reached the previous step; NULL for step 1.';
comment on column marts.kpi_funnel_conversion.conversion_from_previous is 'users_reached / users_previous_step.';
comment on column marts.kpi_funnel_conversion.drop_off_from_previous is 'users_previous_step - users_reached.';
comment on column marts.kpi_funnel_conversion.drop_off_rate_from_previous is '1 - conversion_from_previous.';
comment on column marts.kpi_funnel_conversion.overall_conversion is 'users_reached / users who reached step 1.';

select warehouse.revoke_api_access();
