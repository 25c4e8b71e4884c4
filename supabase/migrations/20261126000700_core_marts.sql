-- Core marts, as the seed defines them: marts_core_user_activity_daily, marts_core_dim_users,
-- marts_core_auth_events. Business rules are data: lifecycle stages in
-- warehouse.lifecycle_stage_definitions (the seed's lifecycle_stage_definitions.csv), engagement
-- weights and the active window in warehouse.metric_definitions. Each mart is refreshed for what
-- the new batches touched: the users and the (user, day) pairs of changed staging rows.

-- ---------------------------------------------------------------------------------------------
-- Definitions
-- ---------------------------------------------------------------------------------------------

create table warehouse.lifecycle_stage_definitions (
    lifecycle_stage varchar(50) primary key,
    priority integer not null unique,
    min_days_since_signup integer,
    max_days_since_signup integer,
    min_days_since_last_login integer,
    max_days_since_last_login integer,
    description text not null,
    check (min_days_since_signup is null or max_days_since_signup is null or min_days_since_signup <= max_days_since_signup),
    check (min_days_since_last_login is null or max_days_since_last_login is null or min_days_since_last_login <= max_days_since_last_login)
);

comment on table warehouse.lifecycle_stage_definitions is
    'Lifecycle stage rules (the seed''s lifecycle_stage_definitions.csv); one row per stage. A user is in the first stage, '
    'by priority, whose non-NULL bounds all hold. A user who never logged in counts from sign-up.';
comment on column warehouse.lifecycle_stage_definitions.lifecycle_stage is 'Stage name: new, active, at_risk, churned.';
comment on column warehouse.lifecycle_stage_definitions.priority is 'Lower is checked first.';
comment on column warehouse.lifecycle_stage_definitions.min_days_since_signup is 'Lower bound (inclusive) on days since sign-up; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.max_days_since_signup is 'Upper bound (inclusive) on days since sign-up; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.min_days_since_last_login is 'Lower bound (inclusive) on days since the last login; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.max_days_since_last_login is 'Upper bound (inclusive) on days since the last login; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.description is 'The rule in words.';

insert into warehouse.lifecycle_stage_definitions
    (lifecycle_stage, priority, min_days_since_signup, max_days_since_signup, min_days_since_last_login, max_days_since_last_login, description)
values
    ('new', 1, null, 13, null, null, 'Signed up less than 14 days ago.'),
    ('active', 2, null, null, null, 29, 'Logged in within the last 30 days.'),
    ('at_risk', 3, null, null, 30, 59, 'Last login 30 to 59 days ago.'),
    ('churned', 4, null, null, 60, null, 'No login for 60 days or more.');

create table warehouse.metric_definitions (
    metric_name text primary key,
    value numeric not null,
    description text not null
);

comment on table warehouse.metric_definitions is 'Numeric business rules of the marts (weights, windows); one row per rule.';
comment on column warehouse.metric_definitions.metric_name is 'Rule name.';
comment on column warehouse.metric_definitions.value is 'Its value.';
comment on column warehouse.metric_definitions.description is 'What it means.';

insert into warehouse.metric_definitions (metric_name, value, description)
values
    ('engagement_weight_login', 1, 'Engagement score points per login (seed: logins * 1).'),
    ('engagement_weight_session', 2, 'Engagement score points per session (seed: sessions * 2).'),
    ('engagement_weight_api_call', 0.1, 'Engagement score points per API call.'),
    ('engagement_weight_feature', 0.5, 'Engagement score points per distinct feature used.'),
    ('active_window_days', 30, 'A user is active on a day when they logged in on it or in the days before it, within this many days.');

create function warehouse.metric(p_metric_name text)
returns numeric
language plpgsql
stable
set search_path = ''
as $$
declare
    v_value numeric;
begin
    select value into v_value from warehouse.metric_definitions where metric_name = p_metric_name;
    if v_value is null then
        raise exception 'metric definition "%" is missing from warehouse.metric_definitions', p_metric_name;
    end if;
    return v_value;
end;
$$;

comment on function warehouse.metric(text) is 'The value of a rule in warehouse.metric_definitions; raises when it is missing.';

create function warehouse.lifecycle_stage(p_days_since_signup integer, p_days_since_last_login integer)
returns varchar(50)
language sql
stable
set search_path = ''
as $$
    select d.lifecycle_stage
    from warehouse.lifecycle_stage_definitions as d
    where (d.min_days_since_signup is null or p_days_since_signup >= d.min_days_since_signup)
      and (d.max_days_since_signup is null or p_days_since_signup <= d.max_days_since_signup)
      and (d.min_days_since_last_login is null or coalesce(p_days_since_last_login, p_days_since_signup) >= d.min_days_since_last_login)
      and (d.max_days_since_last_login is null or coalesce(p_days_since_last_login, p_days_since_signup) <= d.max_days_since_last_login)
    order by d.priority
    limit 1
$$;

comment on function warehouse.lifecycle_stage(integer, integer) is
    'The lifecycle stage for days since sign-up and since the last login (NULL: never logged in), by the definitions table.';

-- ---------------------------------------------------------------------------------------------
-- Mart tables (columns as the seed gives them)
-- ---------------------------------------------------------------------------------------------

create table marts.marts_core_user_activity_daily (
    activity_date date not null,
    user_id uuid not null,
    login_count integer default 0,
    session_count integer default 0,
    api_calls_count integer default 0,
    features_used text[],
    engagement_score numeric,
    is_active boolean,
    days_since_signup integer,
    days_since_last_login integer,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (activity_date, user_id)
);

create index idx_marts_activity_daily_user on marts.marts_core_user_activity_daily (user_id, activity_date);

comment on table marts.marts_core_user_activity_daily is
    'Fact: user activity by day. Grain: one row per user per day on which the user had a session or an auth event. Use: DAU, engagement trends.';
comment on column marts.marts_core_user_activity_daily.activity_date is 'The UTC day.';
comment on column marts.marts_core_user_activity_daily.user_id is 'The user.';
comment on column marts.marts_core_user_activity_daily.login_count is 'Successful logins that day.';
comment on column marts.marts_core_user_activity_daily.session_count is 'Sessions started that day.';
comment on column marts.marts_core_user_activity_daily.api_calls_count is 'API calls in the sessions started that day.';
comment on column marts.marts_core_user_activity_daily.features_used is 'Distinct features used in those sessions, sorted.';
comment on column marts.marts_core_user_activity_daily.engagement_score is
    'logins * w_login + sessions * w_session + API calls * w_api + distinct features * w_feature (weights in warehouse.metric_definitions).';
comment on column marts.marts_core_user_activity_daily.is_active is 'Logged in that day or within the active window (30 days) before it.';
comment on column marts.marts_core_user_activity_daily.days_since_signup is 'Days from the sign-up date to activity_date.';
comment on column marts.marts_core_user_activity_daily.days_since_last_login is 'Days from the last login on or before activity_date; NULL if none yet.';
comment on column marts.marts_core_user_activity_daily.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_core_user_activity_daily._dbt_loaded_at is 'When the pipeline wrote the row.';

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

create table marts.marts_core_auth_events (
    event_id uuid primary key,
    user_id uuid,
    event_date date not null,
    occurred_at timestamptz not null,
    event_type varchar(30) not null,
    auth_method varchar(50),
    failure_reason varchar(100),
    is_login_attempt boolean not null,
    is_login_success boolean not null,
    is_login_failure boolean not null,
    is_token_refresh boolean not null,
    ip_hash varchar(64),
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_auth_events_date on marts.marts_core_auth_events (event_date);
create index idx_marts_auth_events_user on marts.marts_core_auth_events (user_id, occurred_at);

comment on table marts.marts_core_auth_events is
    'Fact: authentication events. Grain: one row per authentication event. Use: security monitoring, auth funnel.';
comment on column marts.marts_core_auth_events.event_id is 'The event.';
comment on column marts.marts_core_auth_events.user_id is 'The account; NULL for an unknown email.';
comment on column marts.marts_core_auth_events.event_date is 'UTC date of the event.';
comment on column marts.marts_core_auth_events.occurred_at is 'When it happened.';
comment on column marts.marts_core_auth_events.event_type is 'login_success, login_failure, token_refresh, logout or password_reset.';
comment on column marts.marts_core_auth_events.auth_method is 'Method used.';
comment on column marts.marts_core_auth_events.failure_reason is 'Why a login failed.';
comment on column marts.marts_core_auth_events.is_login_attempt is 'A login was attempted (success or failure).';
comment on column marts.marts_core_auth_events.is_login_success is 'The login succeeded.';
comment on column marts.marts_core_auth_events.is_login_failure is 'The login failed.';
comment on column marts.marts_core_auth_events.is_token_refresh is 'A session token was refreshed.';
comment on column marts.marts_core_auth_events.ip_hash is 'Salted SHA-256 of the client IP: lets security spot repeats without the address.';
comment on column marts.marts_core_auth_events.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_core_auth_events._dbt_loaded_at is 'When the pipeline wrote the row.';

-- ---------------------------------------------------------------------------------------------
-- Lifecycle transitions: the history an SCD1 dimension does not keep (written by the dim model)
-- ---------------------------------------------------------------------------------------------

create table marts.marts_core_lifecycle_transitions (
    user_id uuid not null,
    changed_on date not null,
    from_stage varchar(50),
    to_stage varchar(50) not null,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (user_id, changed_on, to_stage)
);

create index idx_marts_lifecycle_transitions_changed_on on marts.marts_core_lifecycle_transitions (changed_on);

comment on table marts.marts_core_lifecycle_transitions is
    'Fact: lifecycle stage changes. Grain: one row per user per stage change (from_stage NULL when the user first appears). '
    'Written by the marts_core_dim_users model whenever a user''s stage changes.';
comment on column marts.marts_core_lifecycle_transitions.user_id is 'The user.';
comment on column marts.marts_core_lifecycle_transitions.changed_on is 'UTC date the pipeline saw the change.';
comment on column marts.marts_core_lifecycle_transitions.from_stage is 'Stage before; NULL for a user new to the warehouse.';
comment on column marts.marts_core_lifecycle_transitions.to_stage is 'Stage after.';
comment on column marts.marts_core_lifecycle_transitions.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_core_lifecycle_transitions._dbt_loaded_at is 'When the pipeline wrote the row.';

-- ---------------------------------------------------------------------------------------------
-- Mart models
-- ---------------------------------------------------------------------------------------------

create function marts.refresh_marts_core_auth_events(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_result warehouse.refresh_result;
begin
    with changed as (
        select e.*
        from staging.stg_supabase_auth_events as e
        where e._batch_id > p_from_batch and e._batch_id <= p_to_batch
    ),
    removed as (
        delete from marts.marts_core_auth_events as m
        using changed as c
        where m.event_id = c.event_id and c.is_hard_deleted
        returning 1
    ),
    upserted as (
        insert into marts.marts_core_auth_events as m (
            event_id, user_id, event_date, occurred_at, event_type, auth_method, failure_reason, is_login_attempt,
            is_login_success, is_login_failure, is_token_refresh, ip_hash, analytics_opt_out, _dbt_loaded_at
        )
        select
            c.event_id, c.user_id, c.event_date, c.occurred_at, c.event_type, c.auth_method, c.failure_reason,
            c.event_type in ('login_success', 'login_failure'),
            c.event_type = 'login_success',
            c.event_type = 'login_failure',
            c.event_type = 'token_refresh',
            c.ip_hash,
            coalesce(u.analytics_opt_out, false),
            now()
        from changed as c
        left join staging.stg_supabase_users as u on u.user_id = c.user_id
        where not c.is_hard_deleted
        on conflict (event_id) do update
        set user_id = excluded.user_id,
            event_date = excluded.event_date,
            occurred_at = excluded.occurred_at,
            event_type = excluded.event_type,
            auth_method = excluded.auth_method,
            failure_reason = excluded.failure_reason,
            is_login_attempt = excluded.is_login_attempt,
            is_login_success = excluded.is_login_success,
            is_login_failure = excluded.is_login_failure,
            is_token_refresh = excluded.is_token_refresh,
            ip_hash = excluded.ip_hash,
            analytics_opt_out = excluded.analytics_opt_out,
            _dbt_loaded_at = excluded._dbt_loaded_at
        returning 1
    ),
    opt_out_changed as (
        -- a user who opted out (or back in) since: their older events follow
        update marts.marts_core_auth_events as m
        set analytics_opt_out = u.analytics_opt_out, _dbt_loaded_at = now()
        from staging.stg_supabase_users as u
        where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
          and m.user_id = u.user_id and m.analytics_opt_out is distinct from u.analytics_opt_out
          and not exists (select 1 from changed as c where c.event_id = m.event_id)
        returning 1
    )
    select (select count(*) from changed),
           (select count(*) from removed) + (select count(*) from upserted) + (select count(*) from opt_out_changed)
    into v_result.rows_in, v_result.rows_out;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_core_auth_events(bigint, bigint) is
    'Model marts_core_auth_events: upserts the auth events staging changed in batches (p_from_batch, p_to_batch], removes hard-deleted ones.';

create function marts.refresh_marts_core_user_activity_daily(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_active_days integer := warehouse.metric('active_window_days')::integer;
    v_weight_login numeric := warehouse.metric('engagement_weight_login');
    v_weight_session numeric := warehouse.metric('engagement_weight_session');
    v_weight_api_call numeric := warehouse.metric('engagement_weight_api_call');
    v_weight_feature numeric := warehouse.metric('engagement_weight_feature');
    v_touched bigint;
    v_deleted bigint;
    v_upserted bigint;
    v_opt_out bigint;
    v_result warehouse.refresh_result;
begin
    -- The (user, day) pairs whose sessions or auth events changed in these batches.
    create temporary table if not exists activity_touched (user_id uuid not null, activity_date date not null) on commit drop;
    truncate pg_temp.activity_touched;
    insert into pg_temp.activity_touched (user_id, activity_date)
    select s.user_id, s.session_date
    from staging.stg_supabase_sessions as s
    where s._batch_id > p_from_batch and s._batch_id <= p_to_batch and s.user_id is not null
    union
    select e.user_id, e.event_date
    from staging.stg_supabase_auth_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.user_id is not null;
    get diagnostics v_touched = row_count;
    analyze pg_temp.activity_touched;

    create temporary table if not exists activity_computed (like marts.marts_core_user_activity_daily) on commit drop;
    truncate pg_temp.activity_computed;
    insert into pg_temp.activity_computed (
        activity_date, user_id, login_count, session_count, api_calls_count, features_used, engagement_score,
        is_active, days_since_signup, days_since_last_login, analytics_opt_out, _dbt_loaded_at
    )
    with sessions_day as (
        select s.user_id, s.session_date as activity_date, count(*)::integer as session_count,
               coalesce(sum(s.api_calls_count), 0)::integer as api_calls_count
        from staging.stg_supabase_sessions as s
        join pg_temp.activity_touched as t on t.user_id = s.user_id and t.activity_date = s.session_date
        where not s.is_hard_deleted
        group by 1, 2
    ),
    features_day as (
        select s.user_id, s.session_date as activity_date, array_agg(distinct f.feature order by f.feature) as features_used
        from staging.stg_supabase_sessions as s
        join pg_temp.activity_touched as t on t.user_id = s.user_id and t.activity_date = s.session_date
        cross join lateral unnest(s.features_used) as f (feature)
        where not s.is_hard_deleted
        group by 1, 2
    ),
    events_day as (
        select e.user_id, e.event_date as activity_date, count(*)::integer as event_count,
               (count(*) filter (where e.event_type = 'login_success'))::integer as login_count
        from staging.stg_supabase_auth_events as e
        join pg_temp.activity_touched as t on t.user_id = e.user_id and t.activity_date = e.event_date
        where not e.is_hard_deleted
        group by 1, 2
    ),
    login_days as (
        select distinct e.user_id, e.event_date as login_date
        from staging.stg_supabase_auth_events as e
        where e.user_id in (select t.user_id from pg_temp.activity_touched as t)
          and e.event_type = 'login_success'
          and not e.is_hard_deleted
    ),
    timeline as (
        select t.user_id, t.activity_date as day from pg_temp.activity_touched as t
        union
        select l.user_id, l.login_date from login_days as l
    ),
    last_login as (
        select tl.user_id, tl.day,
               max(l.login_date) over (partition by tl.user_id order by tl.day) as last_login_date
        from timeline as tl
        left join login_days as l on l.user_id = tl.user_id and l.login_date = tl.day
    )
    select
        t.activity_date,
        t.user_id,
        coalesce(ev.login_count, 0),
        coalesce(sd.session_count, 0),
        coalesce(sd.api_calls_count, 0),
        coalesce(fd.features_used, '{}'),
        coalesce(ev.login_count, 0) * v_weight_login
            + coalesce(sd.session_count, 0) * v_weight_session
            + coalesce(sd.api_calls_count, 0) * v_weight_api_call
            + coalesce(cardinality(fd.features_used), 0) * v_weight_feature,
        coalesce(t.activity_date - ll.last_login_date < v_active_days, false),
        t.activity_date - (u.created_at at time zone 'UTC')::date,
        t.activity_date - ll.last_login_date,
        u.analytics_opt_out,
        now()
    from pg_temp.activity_touched as t
    join staging.stg_supabase_users as u on u.user_id = t.user_id and not u.is_hard_deleted
    left join sessions_day as sd on sd.user_id = t.user_id and sd.activity_date = t.activity_date
    left join features_day as fd on fd.user_id = t.user_id and fd.activity_date = t.activity_date
    left join events_day as ev on ev.user_id = t.user_id and ev.activity_date = t.activity_date
    left join last_login as ll on ll.user_id = t.user_id and ll.day = t.activity_date
    where coalesce(sd.session_count, 0) + coalesce(ev.event_count, 0) > 0;

    -- Hard-deleted users leave the mart, every day of them.
    delete from marts.marts_core_user_activity_daily as m
    using staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch and u.is_hard_deleted and m.user_id = u.user_id;
    get diagnostics v_deleted = row_count;
    v_result.rows_out := v_deleted;

    -- Touched days with no activity left (deleted sessions or events) leave the mart.
    delete from marts.marts_core_user_activity_daily as m
    using pg_temp.activity_touched as t
    where m.user_id = t.user_id and m.activity_date = t.activity_date
      and not exists (select 1 from pg_temp.activity_computed as c where c.user_id = t.user_id and c.activity_date = t.activity_date);
    get diagnostics v_deleted = row_count;

    insert into marts.marts_core_user_activity_daily as m
    select * from pg_temp.activity_computed
    on conflict (activity_date, user_id) do update
    set login_count = excluded.login_count,
        session_count = excluded.session_count,
        api_calls_count = excluded.api_calls_count,
        features_used = excluded.features_used,
        engagement_score = excluded.engagement_score,
        is_active = excluded.is_active,
        days_since_signup = excluded.days_since_signup,
        days_since_last_login = excluded.days_since_last_login,
        analytics_opt_out = excluded.analytics_opt_out,
        _dbt_loaded_at = excluded._dbt_loaded_at;
    get diagnostics v_upserted = row_count;

    -- A user who opted out (or back in) since: their other days follow.
    update marts.marts_core_user_activity_daily as m
    set analytics_opt_out = u.analytics_opt_out, _dbt_loaded_at = now()
    from staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
      and m.user_id = u.user_id and m.analytics_opt_out is distinct from u.analytics_opt_out;
    get diagnostics v_opt_out = row_count;

    v_result.rows_in := v_touched;
    v_result.rows_out := v_result.rows_out + v_deleted + v_upserted + v_opt_out;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_core_user_activity_daily(bigint, bigint) is
    'Model marts_core_user_activity_daily: recomputes the (user, day) rows whose sessions or auth events changed in batches '
    '(p_from_batch, p_to_batch], from staging; rows_in counts those pairs.';

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
    ('marts_core_auth_events', 'marts', 'marts', 'marts_core_auth_events', '{staging.stg_supabase_auth_events}',
        'marts.refresh_marts_core_auth_events', 'one row per authentication event'),
    ('marts_core_user_activity_daily', 'marts', 'marts', 'marts_core_user_activity_daily',
        '{staging.stg_supabase_users,staging.stg_supabase_sessions,staging.stg_supabase_auth_events}',
        'marts.refresh_marts_core_user_activity_daily', 'one row per user per day with activity'),
    ('marts_core_dim_users', 'marts', 'marts', 'marts_core_dim_users',
        '{staging.stg_supabase_users,staging.stg_supabase_auth_events}',
        'marts.refresh_marts_core_dim_users', 'one row per user');

insert into warehouse.model_state (model_name)
select model_name from warehouse.models where layer = 'marts';

-- ---------------------------------------------------------------------------------------------
-- Analysts read marts, and only marts. (Roles, RLS and the Metabase login: the privacy migration.)
-- ---------------------------------------------------------------------------------------------

do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'analyst_role') then
        create role analyst_role nologin;
    end if;
end
$$;

comment on role analyst_role is 'Analysts and Metabase: read the marts schema only. Unqualified names resolve in marts.';
alter role analyst_role set search_path = marts;
grant usage on schema marts to analyst_role;
grant select on all tables in schema marts to analyst_role;
alter default privileges in schema marts grant select on tables to analyst_role;
revoke all on all functions in schema marts from analyst_role;

select warehouse.revoke_api_access();
