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

-- The transformation. Touched: the events staging changed, and the older events of a user who opted
-- out (or back in) since: the opt-out follows.
create function marts.marts_core_auth_events__touched(p_from_batch bigint, p_to_batch bigint)
returns table (event_id uuid)
language sql
stable
begin atomic
    select e.event_id
    from staging.stg_supabase_auth_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch
    union
    select m.event_id
    from staging.stg_supabase_users as u
    join marts.marts_core_auth_events as m on m.user_id = u.user_id
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
      and m.analytics_opt_out is distinct from u.analytics_opt_out;
end;

comment on function marts.marts_core_auth_events__touched(bigint, bigint) is
    'Model marts_core_auth_events: the events batches (p_from_batch, p_to_batch] changed, and the events of users whose opt-out changed.';

create function marts.marts_core_auth_events__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_auth_events
language sql
stable
begin atomic
    with touched as (
        select t.event_id from marts.marts_core_auth_events__touched(p_from_batch, p_to_batch) as t
    ),
    final as (
        select
            e.event_id,
            e.user_id,
            e.event_date,
            e.occurred_at,
            e.event_type,
            e.auth_method,
            e.failure_reason,
            e.event_type in ('login_success', 'login_failure') as is_login_attempt,
            e.event_type = 'login_success' as is_login_success,
            e.event_type = 'login_failure' as is_login_failure,
            e.event_type = 'token_refresh' as is_token_refresh,
            e.ip_hash,
            coalesce(u.analytics_opt_out, false) as analytics_opt_out,
            now() as _dbt_loaded_at
        from touched as t
        join staging.stg_supabase_auth_events as e on e.event_id = t.event_id
        left join staging.stg_supabase_users as u on u.user_id = e.user_id
        where not e.is_hard_deleted
    )
    select * from final;
end;

comment on function marts.marts_core_auth_events__rows(bigint, bigint) is
    'Model marts_core_auth_events: the mart rows of the touched events, from staging; hard-deleted events have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_core_auth_events', 'marts', 'marts', 'marts_core_auth_events', 'recompute_keys', '{event_id}',
    'marts.marts_core_auth_events__rows', 'marts.marts_core_auth_events__touched', '{event_id}', 'one row per authentication event');

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
