create table staging.stg_supabase_sessions (
    session_id uuid primary key,
    user_id uuid,
    session_date date,
    started_at timestamptz,
    last_activity_at timestamptz,
    ended_at timestamptz,
    duration_seconds integer,
    ip_hash varchar(64),
    device_type varchar(20),
    auth_method varchar(50),
    api_calls_count integer,
    features_used text[],
    created_at timestamptz,
    updated_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_sessions_user_started on staging.stg_supabase_sessions (user_id, started_at);
create index idx_stg_sessions_batch on staging.stg_supabase_sessions (_batch_id);

comment on table staging.stg_supabase_sessions is 'Staging sessions: one row per session, current state (SCD1); IP hashed, user agent dropped.';
comment on column staging.stg_supabase_sessions.session_id is 'Session id.';
comment on column staging.stg_supabase_sessions.user_id is 'The session''s user.';
comment on column staging.stg_supabase_sessions.session_date is 'UTC date the session started.';
comment on column staging.stg_supabase_sessions.started_at is 'Session start.';
comment on column staging.stg_supabase_sessions.last_activity_at is 'Last request seen.';
comment on column staging.stg_supabase_sessions.ended_at is 'Logout or expiry; NULL while open.';
comment on column staging.stg_supabase_sessions.duration_seconds is 'Seconds from start to end (or last activity); NULL if unknown.';
comment on column staging.stg_supabase_sessions.ip_hash is 'SHA-256(salt || client IP), hex.';
comment on column staging.stg_supabase_sessions.device_type is 'ios, android or web.';
comment on column staging.stg_supabase_sessions.auth_method is 'How the session was authenticated.';
comment on column staging.stg_supabase_sessions.api_calls_count is 'API calls made in the session.';
comment on column staging.stg_supabase_sessions.features_used is 'Features used in the session.';
comment on column staging.stg_supabase_sessions.created_at is 'Row creation time in the source.';
comment on column staging.stg_supabase_sessions.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_sessions.is_hard_deleted is 'The session was deleted from the source.';
comment on column staging.stg_supabase_sessions.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_sessions._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_sessions._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_sessions._dbt_loaded_at is 'When the pipeline last wrote the row.';

create function staging.refresh_stg_supabase_sessions(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_salt text := warehouse.pii_salt();
    v_result warehouse.refresh_result;
begin
    with new_versions as (
        select distinct on (r.id) r.*
        from raw.raw_supabase_sessions as r
        where r.batch_id > p_from_batch and r.batch_id <= p_to_batch
        order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
    ),
    merged as (
        insert into staging.stg_supabase_sessions as s (
            session_id, user_id, session_date, started_at, last_activity_at, ended_at, duration_seconds, ip_hash,
            device_type, auth_method, api_calls_count, features_used, created_at, updated_at, _changed_at, _batch_id,
            _dbt_loaded_at
        )
        select
            v.id,
            v.user_id,
            (v.started_at at time zone 'UTC')::date,
            v.started_at,
            v.last_activity_at,
            v.ended_at,
            extract(epoch from coalesce(v.ended_at, v.last_activity_at) - v.started_at)::integer,
            warehouse.salted_sha256(host(v.ip_address), v_salt),
            v.device_type,
            v.auth_method,
            v.api_calls_count,
            coalesce(v.features_used, '{}'),
            v.created_at,
            v.updated_at,
            v.changed_at,
            v.batch_id,
            now()
        from new_versions as v
        where not v.is_tombstone
        on conflict (session_id) do update
        set user_id = excluded.user_id,
            session_date = excluded.session_date,
            started_at = excluded.started_at,
            last_activity_at = excluded.last_activity_at,
            ended_at = excluded.ended_at,
            duration_seconds = excluded.duration_seconds,
            ip_hash = excluded.ip_hash,
            device_type = excluded.device_type,
            auth_method = excluded.auth_method,
            api_calls_count = excluded.api_calls_count,
            features_used = excluded.features_used,
            created_at = excluded.created_at,
            updated_at = excluded.updated_at,
            is_hard_deleted = false,
            hard_deleted_at = null,
            _changed_at = excluded._changed_at,
            _batch_id = excluded._batch_id,
            _dbt_loaded_at = excluded._dbt_loaded_at
        where s._changed_at is null or excluded._changed_at >= s._changed_at
        returning 1
    ),
    tombstoned as (
        update staging.stg_supabase_sessions as s
        set is_hard_deleted = true, hard_deleted_at = v.changed_at, _changed_at = v.changed_at,
            _batch_id = v.batch_id, _dbt_loaded_at = now()
        from new_versions as v
        where v.is_tombstone and s.session_id = v.id and (s._changed_at is null or v.changed_at >= s._changed_at)
        returning 1
    )
    select (select count(*) from new_versions), (select count(*) from merged) + (select count(*) from tombstoned)
    into v_result.rows_in, v_result.rows_out;
    return v_result;
end;
$$;

comment on function staging.refresh_stg_supabase_sessions(bigint, bigint) is
    'Model stg_supabase_sessions: merges the newest raw version of each session in batches (p_from_batch, p_to_batch].';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('stg_supabase_sessions', 'staging', 'staging', 'stg_supabase_sessions', '{raw.raw_supabase_sessions}',
        'staging.refresh_stg_supabase_sessions', 'one row per session');

insert into warehouse.model_state (model_name) values ('stg_supabase_sessions');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_sessions__session_id__unique', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'unique', 'session_id', 'session_id', '{}', 'error',
        'Each session appears once in staging.'),
    ('stg_supabase_sessions__user_id__not_null', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'not_null', 'user_id', 'session_id',
        '{"where": "not is_hard_deleted"}', 'error', 'Every session belongs to a user.'),
    ('stg_supabase_sessions__user_id__relationships', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'relationships', 'user_id', 'session_id',
        '{"to_schema": "staging", "to_table": "stg_supabase_users", "to_column": "user_id"}', 'error',
        'Every session''s user exists in staging.'),
    ('stg_supabase_sessions__device_type__accepted_values', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'accepted_values',
        'device_type', 'session_id', '{"values": ["ios", "android", "web"]}', 'warn', 'Device types are ios, android or web.'),
    ('stg_supabase_sessions__ends_after_start', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'expression', null, 'session_id',
        '{"where": "ended_at < started_at"}', 'error', 'No session ends before it starts.'),
    ('stg_supabase_sessions__no_negative_metrics', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'no_negative', null, 'session_id',
        '{"columns": ["api_calls_count", "duration_seconds"]}', 'error', 'Session counts and durations are never negative.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_sessions', 'staging', 36, 'delete_rows', 'started_at',
        'Staging keeps 3 years of sessions, by start time.');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('staging', 'stg_supabase_sessions', 'user_id = $1');
