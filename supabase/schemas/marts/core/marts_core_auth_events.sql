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

-- Mart models
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

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('marts_core_auth_events', 'marts', 'marts', 'marts_core_auth_events', '{staging.stg_supabase_auth_events}',
        'marts.refresh_marts_core_auth_events', 'one row per authentication event');

insert into warehouse.model_state (model_name) values ('marts_core_auth_events');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_auth_events__event_id__unique', 'marts_core_auth_events', 'marts', 'marts_core_auth_events', 'unique', 'event_id', 'event_id', '{}', 'error',
        'One row per auth event.'),
    ('marts_core_auth_events__user_id__relationships', 'marts_core_auth_events', 'marts', 'marts_core_auth_events', 'relationships', 'user_id', 'event_id',
        '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'warn',
        'Auth events name known users (warn: events of deleted accounts stay in the app''s log).');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_core_auth_events', 'marts', 60, 'delete_rows', 'event_date',
        'Marts keep 5 years of auth events.');

select warehouse.enable_mart_rls('marts_core_auth_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_core_auth_events', 'user_id = $1');
