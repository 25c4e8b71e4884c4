create table staging.stg_supabase_auth_events (
    event_id uuid primary key,
    user_id uuid,
    event_type varchar(30),
    auth_method varchar(50),
    failure_reason varchar(100),
    ip_hash varchar(64),
    event_date date,
    occurred_at timestamptz,
    created_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_auth_events_user_occurred on staging.stg_supabase_auth_events (user_id, occurred_at);
create index idx_stg_auth_events_batch on staging.stg_supabase_auth_events (_batch_id);
-- each user's first and last successful login as two index-only probes (marts_core_dim_users): a user's
-- login history read end to end costs as many heap fetches as it has events, this costs two
create index idx_stg_auth_events_user_logins on staging.stg_supabase_auth_events (user_id, occurred_at)
    where event_type = 'login_success' and not is_hard_deleted;

comment on table staging.stg_supabase_auth_events is 'Staging auth events: one row per authentication event; IP hashed, user agent dropped.';
comment on column staging.stg_supabase_auth_events.event_id is 'Event id.';
comment on column staging.stg_supabase_auth_events.user_id is 'The account concerned; NULL for an unknown email.';
comment on column staging.stg_supabase_auth_events.event_type is 'login_success, login_failure, token_refresh, logout or password_reset.';
comment on column staging.stg_supabase_auth_events.auth_method is 'Method used.';
comment on column staging.stg_supabase_auth_events.failure_reason is 'Why a login failed.';
comment on column staging.stg_supabase_auth_events.ip_hash is 'SHA-256(salt || client IP), hex.';
comment on column staging.stg_supabase_auth_events.event_date is 'UTC date of the event.';
comment on column staging.stg_supabase_auth_events.occurred_at is 'When the event happened.';
comment on column staging.stg_supabase_auth_events.created_at is 'When the source row was written.';
comment on column staging.stg_supabase_auth_events.is_hard_deleted is 'The event was deleted from the source.';
comment on column staging.stg_supabase_auth_events.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_auth_events._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_auth_events._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_auth_events._dbt_loaded_at is 'When the pipeline last wrote the row.';

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_auth_events__projection as
select
    r.id as event_id,
    r.user_id,
    r.event_type,
    r.auth_method,
    r.failure_reason,
    warehouse.salted_sha256(host(r.ip_address), k.salt) as ip_hash,
    (r.occurred_at at time zone 'UTC')::date as event_date,
    r.occurred_at,
    r.created_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_auth_events as r
-- the salt once per query, not once per row
cross join (select warehouse.pii_salt() as salt offset 0) as k;

comment on view staging.stg_supabase_auth_events__projection is
    'Model stg_supabase_auth_events: each raw version of raw.raw_supabase_auth_events as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_auth_events__projection', 'staging.stg_supabase_auth_events');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_auth_events', 'staging', 'staging', 'stg_supabase_auth_events', 'merge_scd1', '{event_id}', 'staging.stg_supabase_auth_events__projection',
    'one row per authentication event');

insert into warehouse.model_state (model_name) values ('stg_supabase_auth_events');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_auth_events__event_id__unique', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'unique', 'event_id', 'event_id', '{}', 'error',
        'Each auth event appears once in staging.'),
    ('stg_supabase_auth_events__occurred_at__not_null', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'not_null', 'occurred_at', 'event_id',
        '{"where": "not is_hard_deleted"}', 'error', 'Every auth event has a time.'),
    ('stg_supabase_auth_events__event_type__accepted_values', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'accepted_values',
        'event_type', 'event_id', '{"values": ["login_success", "login_failure", "token_refresh", "logout", "password_reset"]}', 'error',
        'Auth event types are the five the app records.'),
    ('stg_supabase_auth_events__freshness', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'freshness', 'occurred_at', null,
        '{"warn_after": "26 hours", "error_after": "72 hours", "where": "not is_hard_deleted"}', 'error',
        'Data freshness (seed target: under 24 hours): the newest auth event is recent.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_auth_events', 'staging', 36, 'delete_rows', 'occurred_at',
        'Staging keeps 3 years of auth events, by event time.');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('staging', 'stg_supabase_auth_events', 'user_id = $1');
