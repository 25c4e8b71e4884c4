create table raw.raw_supabase_sessions (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    user_id uuid,
    started_at timestamptz,
    last_activity_at timestamptz,
    ended_at timestamptz,
    ip_address inet,
    user_agent text,
    device_type varchar(20),
    auth_method varchar(50),
    api_calls_count integer,
    features_used text[],
    created_at timestamptz,
    updated_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_sessions');

comment on table raw.raw_supabase_sessions is
    'Raw sessions: one row per extracted version of an app session (public.sessions), append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_sessions.id is 'Session id.';
comment on column raw.raw_supabase_sessions.user_id is 'The session''s user.';
comment on column raw.raw_supabase_sessions.started_at is 'Session start.';
comment on column raw.raw_supabase_sessions.last_activity_at is 'Last request seen in the session.';
comment on column raw.raw_supabase_sessions.ended_at is 'Logout or expiry; NULL while open.';
comment on column raw.raw_supabase_sessions.ip_address is 'Client IP. PII: staging keeps only its salted hash.';
comment on column raw.raw_supabase_sessions.user_agent is 'Client user agent string.';
comment on column raw.raw_supabase_sessions.device_type is 'ios, android or web.';
comment on column raw.raw_supabase_sessions.auth_method is 'How the session was authenticated.';
comment on column raw.raw_supabase_sessions.api_calls_count is 'API calls made in the session.';
comment on column raw.raw_supabase_sessions.features_used is 'Features used in the session.';
comment on column raw.raw_supabase_sessions.created_at is 'Row creation time in the source.';
comment on column raw.raw_supabase_sessions.updated_at is 'Source change time (the change-tracking column).';

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_sessions', 'public', 'sessions', 'id', 'updated_at', 'raw_supabase_sessions', 's.user_id');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_sessions', 'id', 'uuid', 'id', null),
    ('supabase_sessions', 'user_id', 'uuid', 'user_id', null),
    ('supabase_sessions', 'started_at', 'timestamp with time zone', 'started_at', null),
    ('supabase_sessions', 'last_activity_at', 'timestamp with time zone', 'last_activity_at', null),
    ('supabase_sessions', 'ended_at', 'timestamp with time zone', 'ended_at', null),
    ('supabase_sessions', 'ip_address', 'inet', 'ip_address', null),
    ('supabase_sessions', 'user_agent', 'text', 'user_agent', null),
    ('supabase_sessions', 'device_type', 'character varying(20)', 'device_type', null),
    ('supabase_sessions', 'auth_method', 'character varying(50)', 'auth_method', null),
    ('supabase_sessions', 'api_calls_count', 'integer', 'api_calls_count', null),
    ('supabase_sessions', 'features_used', 'text[]', 'features_used', null),
    ('supabase_sessions', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_sessions', 'updated_at', 'timestamp with time zone', 'updated_at', null);

select warehouse.prepare_source('supabase_sessions');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_sessions', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted sessions; older monthly partitions are archived, then dropped.');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('raw', 'raw_supabase_sessions', 'user_id = $1');
