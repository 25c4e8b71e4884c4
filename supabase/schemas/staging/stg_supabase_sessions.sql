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

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_sessions__projection as
select
    r.id as session_id,
    r.user_id,
    (r.started_at at time zone 'UTC')::date as session_date,
    r.started_at,
    r.last_activity_at,
    r.ended_at,
    extract(epoch from coalesce(r.ended_at, r.last_activity_at) - r.started_at)::integer as duration_seconds,
    warehouse.salted_sha256(host(r.ip_address), k.salt) as ip_hash,
    r.device_type,
    r.auth_method,
    r.api_calls_count,
    coalesce(r.features_used, '{}') as features_used,
    r.created_at,
    r.updated_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_sessions as r
-- the salt once per query, not once per row
cross join (select warehouse.pii_salt() as salt offset 0) as k;

comment on view staging.stg_supabase_sessions__projection is
    'Model stg_supabase_sessions: each raw version of raw.raw_supabase_sessions as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_sessions__projection', 'staging.stg_supabase_sessions');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_sessions', 'staging', 'staging', 'stg_supabase_sessions', 'merge_scd1', '{session_id}', 'staging.stg_supabase_sessions__projection',
    'one row per session');

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
