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

create function staging.refresh_stg_supabase_auth_events(p_from_batch bigint, p_to_batch bigint)
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
        from raw.raw_supabase_auth_events as r
        where r.batch_id > p_from_batch and r.batch_id <= p_to_batch
        order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
    ),
    merged as (
        insert into staging.stg_supabase_auth_events as s (
            event_id, user_id, event_type, auth_method, failure_reason, ip_hash, event_date, occurred_at, created_at,
            _changed_at, _batch_id, _dbt_loaded_at
        )
        select
            v.id,
            v.user_id,
            v.event_type,
            v.auth_method,
            v.failure_reason,
            warehouse.salted_sha256(host(v.ip_address), v_salt),
            (v.occurred_at at time zone 'UTC')::date,
            v.occurred_at,
            v.created_at,
            v.changed_at,
            v.batch_id,
            now()
        from new_versions as v
        where not v.is_tombstone
        on conflict (event_id) do update
        set user_id = excluded.user_id,
            event_type = excluded.event_type,
            auth_method = excluded.auth_method,
            failure_reason = excluded.failure_reason,
            ip_hash = excluded.ip_hash,
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
        update staging.stg_supabase_auth_events as s
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

comment on function staging.refresh_stg_supabase_auth_events(bigint, bigint) is
    'Model stg_supabase_auth_events: merges the newest raw version of each auth event in batches (p_from_batch, p_to_batch].';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('stg_supabase_auth_events', 'staging', 'staging', 'stg_supabase_auth_events', '{raw.raw_supabase_auth_events}',
        'staging.refresh_stg_supabase_auth_events', 'one row per authentication event');

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
