create table raw.raw_supabase_auth_events (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    user_id uuid,
    event_type varchar(30),
    auth_method varchar(50),
    failure_reason varchar(100),
    ip_address inet,
    user_agent text,
    occurred_at timestamptz,
    created_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_auth_events');

comment on table raw.raw_supabase_auth_events is
    'Raw auth events: one row per extracted authentication event (public.auth_events), append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_auth_events.id is 'Event id.';
comment on column raw.raw_supabase_auth_events.user_id is 'The account concerned; NULL for an unknown email.';
comment on column raw.raw_supabase_auth_events.event_type is 'login_success, login_failure, token_refresh, logout or password_reset.';
comment on column raw.raw_supabase_auth_events.auth_method is 'Method used.';
comment on column raw.raw_supabase_auth_events.failure_reason is 'Why a login failed.';
comment on column raw.raw_supabase_auth_events.ip_address is 'Client IP. PII: staging keeps only its salted hash.';
comment on column raw.raw_supabase_auth_events.user_agent is 'Client user agent string.';
comment on column raw.raw_supabase_auth_events.occurred_at is 'When the event happened.';
comment on column raw.raw_supabase_auth_events.created_at is 'When the source row was written (the change-tracking column).';

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_auth_events', 'public', 'auth_events', 'id', 'created_at', 'raw_supabase_auth_events', 's.user_id');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_auth_events', 'id', 'uuid', 'id', null),
    ('supabase_auth_events', 'user_id', 'uuid', 'user_id', null),
    ('supabase_auth_events', 'event_type', 'character varying(30)', 'event_type', null),
    ('supabase_auth_events', 'auth_method', 'character varying(50)', 'auth_method', null),
    ('supabase_auth_events', 'failure_reason', 'character varying(100)', 'failure_reason', null),
    ('supabase_auth_events', 'ip_address', 'inet', 'ip_address', null),
    ('supabase_auth_events', 'user_agent', 'text', 'user_agent', null),
    ('supabase_auth_events', 'occurred_at', 'timestamp with time zone', 'occurred_at', null),
    ('supabase_auth_events', 'created_at', 'timestamp with time zone', 'created_at', null);

select warehouse.prepare_source('supabase_auth_events');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_auth_events', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted auth events; older monthly partitions are archived, then dropped.');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('raw', 'raw_supabase_auth_events', 'user_id = $1');
