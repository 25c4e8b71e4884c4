-- Staging layer: current state (SCD Type 1) per key, typed, deduplicated, PII hashed with a secret salt.
--
-- Models. Every staging and mart table is a model: a row in warehouse.models that names its target,
-- the relations it reads (lineage) and the function that refreshes it. A refresh function takes the
-- range of extraction batches to apply, (p_from_batch, p_to_batch], and returns rows in and out; the
-- orchestrator (warehouse.transform_and_publish) keeps each model's position in warehouse.model_state
-- and runs the models in the dependency order their declared reads imply.
--
-- PII. Emails and IPs are hashed as SHA-256(salt || normalised value). The salt is created once, at
-- the first pipeline run, never printed and never in a migration: in Supabase Vault (secret
-- 'warehouse_pii_salt') where Vault exists, else in warehouse.secrets, which only the owner reads.

-- ---------------------------------------------------------------------------------------------
-- The PII salt and hashing
-- ---------------------------------------------------------------------------------------------

create table warehouse.secrets (
    secret_name text primary key,
    secret_value text not null,
    created_at timestamptz not null default now()
);

comment on table warehouse.secrets is
    'Secrets of the pipeline where Supabase Vault is absent (local clusters); one row per secret. Readable by its owner only.';
comment on column warehouse.secrets.secret_name is 'Name of the secret (warehouse_pii_salt).';
comment on column warehouse.secrets.secret_value is 'The secret. Never printed, never in a migration.';
comment on column warehouse.secrets.created_at is 'When the secret was created.';

revoke all on warehouse.secrets from public;

create function warehouse.has_vault()
returns boolean
language sql
stable
set search_path = ''
as $$
    select to_regclass('vault.decrypted_secrets') is not null
       and to_regprocedure('vault.create_secret(text, text, text)') is not null
$$;

comment on function warehouse.has_vault() is 'Whether Supabase Vault is installed (true on Supabase, false on a plain local cluster).';

create function warehouse.ensure_pii_salt()
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
    v_salt text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
begin
    if warehouse.has_vault() then
        if not exists (select 1 from vault.decrypted_secrets where name = 'warehouse_pii_salt') then
            perform vault.create_secret(v_salt, 'warehouse_pii_salt', 'PetForce warehouse: salt for hashing PII');
            return 'created in vault';
        end if;
        return 'vault';
    end if;
    insert into warehouse.secrets (secret_name, secret_value)
    values ('warehouse_pii_salt', v_salt)
    on conflict (secret_name) do nothing;
    if found then
        return 'created in warehouse.secrets (no vault)';
    end if;
    return 'warehouse.secrets (no vault)';
end;
$$;

comment on function warehouse.ensure_pii_salt() is
    'Creates the PII salt once (244 random bits), in Supabase Vault when present, else in warehouse.secrets. '
    'Returns where it lives, never the salt.';

create function warehouse.pii_salt()
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    v_salt text;
begin
    if warehouse.has_vault() then
        execute 'select decrypted_secret from vault.decrypted_secrets where name = $1' into v_salt using 'warehouse_pii_salt';
    else
        select secret_value into v_salt from warehouse.secrets where secret_name = 'warehouse_pii_salt';
    end if;
    if v_salt is null then
        raise exception 'the PII salt does not exist yet: run warehouse.ensure_pii_salt() (the pipeline does)';
    end if;
    return v_salt;
end;
$$;

comment on function warehouse.pii_salt() is
    'The PII salt, for the pipeline''s staging functions only (execute is revoked from everyone else).';

create function warehouse.salted_sha256(p_value text, p_salt text)
returns varchar(64)
language sql
immutable
parallel safe
set search_path = ''
as $$
    select encode(sha256(convert_to(p_salt || p_value, 'UTF8')), 'hex')::varchar(64)
$$;

comment on function warehouse.salted_sha256(text, text) is
    'SHA-256 of salt || value as 64 hex characters; NULL for a NULL value. Callers normalise the value first.';

create function warehouse.normalise_email(p_email text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
    select nullif(lower(btrim(p_email)), '')
$$;

comment on function warehouse.normalise_email(text) is 'An email as hashed: trimmed and lowercased.';

create function warehouse.mask_email(p_email text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
    select case
        when p_email is null or position('@' in p_email) = 0 then null
        else left(split_part(p_email, '@', 1), 4) || '***@' || split_part(p_email, '@', 2)
    end
$$;

comment on function warehouse.mask_email(text) is 'Masked email as the seed shows it (user***@example.com): first 4 characters of the local part.';

-- ---------------------------------------------------------------------------------------------
-- Models and lineage
-- ---------------------------------------------------------------------------------------------

create table warehouse.models (
    model_name text primary key,
    layer text not null check (layer in ('staging', 'marts')),
    target_schema text not null,
    target_table text not null,
    reads text[] not null,
    refresh_function text not null,
    grain text not null,
    unique (target_schema, target_table)
);

comment on table warehouse.models is
    'The models of the warehouse (the in-database dbt project); one row per staging or mart table.';
comment on column warehouse.models.model_name is 'Model name, the same as its table name.';
comment on column warehouse.models.layer is 'staging or marts.';
comment on column warehouse.models.target_schema is 'Schema of the table the model maintains.';
comment on column warehouse.models.target_table is 'The table the model maintains.';
comment on column warehouse.models.reads is
    'Relations the model reads (schema.table): its lineage. A model runs after every model whose table it reads.';
comment on column warehouse.models.refresh_function is
    'Function (p_from_batch bigint, p_to_batch bigint) returning warehouse.refresh_result that applies those batches.';
comment on column warehouse.models.grain is 'The grain, in words: one row per ...';

create table warehouse.model_state (
    model_name text primary key references warehouse.models (model_name) on delete cascade,
    last_batch_id bigint not null default 0,
    last_run_id bigint,
    refreshed_at timestamptz
);

comment on table warehouse.model_state is 'Each model''s position: the last extraction batch it has applied. Reset to 0 by a full refresh.';
comment on column warehouse.model_state.model_name is 'The model.';
comment on column warehouse.model_state.last_batch_id is 'Every batch up to this one is reflected in the model''s table.';
comment on column warehouse.model_state.last_run_id is 'The run that last published the model.';
comment on column warehouse.model_state.refreshed_at is 'When that run published it.';

create type warehouse.refresh_result as (
    rows_in bigint,
    rows_out bigint
);

comment on type warehouse.refresh_result is 'What a model refresh did: rows read from its inputs, rows written (inserted, updated or deleted).';

create function warehouse.model_order()
returns table (model_name text, layer text, depth integer, depends_on text[])
language sql
stable
set search_path = ''
as $$
    with recursive edges as (
        select m.model_name, d.model_name as upstream
        from warehouse.models as m
        join warehouse.models as d on (d.target_schema || '.' || d.target_table) = any (m.reads)
    ),
    depths as (
        select m.model_name, 0 as depth
        from warehouse.models as m
        union all
        select e.model_name, p.depth + 1
        from edges as e
        join depths as p on p.model_name = e.upstream
        where p.depth < 50
    )
    select m.model_name, m.layer, max(d.depth)::integer as depth,
        coalesce((select array_agg(e.upstream order by e.upstream) from edges as e where e.model_name = m.model_name), '{}')
    from warehouse.models as m
    join depths as d on d.model_name = m.model_name
    group by m.model_name, m.layer
    order by max(d.depth), m.model_name
$$;

comment on function warehouse.model_order() is
    'The models in dependency order, derived from what each declares it reads: depth 0 reads only raw, depth n reads a model of depth n-1.';

-- ---------------------------------------------------------------------------------------------
-- Staging tables
-- ---------------------------------------------------------------------------------------------

create table staging.stg_supabase_users (
    user_id uuid primary key,
    email_hash varchar(64) not null,
    ip_hash varchar(64),
    email_domain varchar(255),
    email_masked text,
    email_verified boolean,
    has_password boolean,
    auth_methods text[],
    preferred_auth_method varchar(50),
    two_factor_enabled boolean,
    is_account_locked boolean,
    failed_login_attempts integer,
    last_login_at timestamptz,
    analytics_opt_out boolean not null default false,
    created_at timestamptz,
    updated_at timestamptz,
    deleted_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_users_email_hash on staging.stg_supabase_users (email_hash);
create index idx_stg_users_created_at on staging.stg_supabase_users (created_at);
create index idx_stg_users_batch on staging.stg_supabase_users (_batch_id);

comment on table staging.stg_supabase_users is
    'Staging users: one row per user ever extracted, current state (SCD1). No name, photo, raw email or IP: hashes and derived fields only.';
comment on column staging.stg_supabase_users.user_id is 'User id (public.users.id).';
comment on column staging.stg_supabase_users.email_hash is 'SHA-256(salt || lowercased, trimmed email), hex.';
comment on column staging.stg_supabase_users.ip_hash is 'SHA-256(salt || last login IP), hex.';
comment on column staging.stg_supabase_users.email_domain is 'Domain part of the email (gmail.com), lowercased.';
comment on column staging.stg_supabase_users.email_masked is 'Masked email (user***@example.com). For data engineers only; never in marts.';
comment on column staging.stg_supabase_users.email_verified is 'Whether the email was confirmed.';
comment on column staging.stg_supabase_users.has_password is 'Whether the account has a password.';
comment on column staging.stg_supabase_users.auth_methods is 'Sign-in methods enabled on the account.';
comment on column staging.stg_supabase_users.preferred_auth_method is 'The sign-in method the user last chose.';
comment on column staging.stg_supabase_users.two_factor_enabled is 'Whether two-factor authentication is on.';
comment on column staging.stg_supabase_users.is_account_locked is 'account_locked_until was in the future when the row was loaded.';
comment on column staging.stg_supabase_users.failed_login_attempts is 'Consecutive failed logins.';
comment on column staging.stg_supabase_users.last_login_at is 'Last successful login, as the app recorded it.';
comment on column staging.stg_supabase_users.analytics_opt_out is 'The user opted out of analytics: analysts see none of their rows.';
comment on column staging.stg_supabase_users.created_at is 'Sign-up time.';
comment on column staging.stg_supabase_users.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_users.deleted_at is 'Soft-delete time in the source.';
comment on column staging.stg_supabase_users.is_hard_deleted is 'The row was deleted from the source (a raw tombstone arrived).';
comment on column staging.stg_supabase_users.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_users._changed_at is 'Change time of the version applied; an older version never overwrites a newer one.';
comment on column staging.stg_supabase_users._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_users._dbt_loaded_at is 'When the pipeline last wrote the row (the seed''s dbt metadata column).';

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

-- ---------------------------------------------------------------------------------------------
-- Staging models: the newest version per key among the new batches, merged in (SCD1). A version
-- older than the one staging holds never overwrites it; a tombstone marks the row hard-deleted.
-- ---------------------------------------------------------------------------------------------

create function staging.refresh_stg_supabase_users(p_from_batch bigint, p_to_batch bigint)
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
        from raw.raw_supabase_users as r
        where r.batch_id > p_from_batch and r.batch_id <= p_to_batch
        order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
    ),
    merged as (
        insert into staging.stg_supabase_users as s (
            user_id, email_hash, ip_hash, email_domain, email_masked, email_verified, has_password, auth_methods,
            preferred_auth_method, two_factor_enabled, is_account_locked, failed_login_attempts, last_login_at,
            analytics_opt_out, created_at, updated_at, deleted_at, _changed_at, _batch_id, _dbt_loaded_at
        )
        select
            v.id,
            warehouse.salted_sha256(warehouse.normalise_email(v.email), v_salt),
            warehouse.salted_sha256(host(v.last_login_ip), v_salt),
            nullif(lower(split_part(btrim(v.email), '@', 2)), ''),
            warehouse.mask_email(v.email),
            v.email_verified,
            v.has_password,
            v.auth_methods,
            v.preferred_auth_method,
            v.two_factor_enabled,
            coalesce(v.account_locked_until > now(), false),
            v.failed_login_attempts,
            v.last_login_at,
            coalesce(v.analytics_opt_out, false),
            v.created_at,
            v.updated_at,
            v.deleted_at,
            v.changed_at,
            v.batch_id,
            now()
        from new_versions as v
        where not v.is_tombstone
        on conflict (user_id) do update
        set email_hash = excluded.email_hash,
            ip_hash = excluded.ip_hash,
            email_domain = excluded.email_domain,
            email_masked = excluded.email_masked,
            email_verified = excluded.email_verified,
            has_password = excluded.has_password,
            auth_methods = excluded.auth_methods,
            preferred_auth_method = excluded.preferred_auth_method,
            two_factor_enabled = excluded.two_factor_enabled,
            is_account_locked = excluded.is_account_locked,
            failed_login_attempts = excluded.failed_login_attempts,
            last_login_at = excluded.last_login_at,
            analytics_opt_out = excluded.analytics_opt_out,
            created_at = excluded.created_at,
            updated_at = excluded.updated_at,
            deleted_at = excluded.deleted_at,
            is_hard_deleted = false,
            hard_deleted_at = null,
            _changed_at = excluded._changed_at,
            _batch_id = excluded._batch_id,
            _dbt_loaded_at = excluded._dbt_loaded_at
        where s._changed_at is null or excluded._changed_at >= s._changed_at
        returning 1
    ),
    tombstoned as (
        update staging.stg_supabase_users as s
        set is_hard_deleted = true, hard_deleted_at = v.changed_at, _changed_at = v.changed_at,
            _batch_id = v.batch_id, _dbt_loaded_at = now()
        from new_versions as v
        where v.is_tombstone and s.user_id = v.id and (s._changed_at is null or v.changed_at >= s._changed_at)
        returning 1
    )
    select (select count(*) from new_versions), (select count(*) from merged) + (select count(*) from tombstoned)
    into v_result.rows_in, v_result.rows_out;
    return v_result;
end;
$$;

comment on function staging.refresh_stg_supabase_users(bigint, bigint) is
    'Model stg_supabase_users: merges the newest raw version of each user in batches (p_from_batch, p_to_batch], hashing PII.';

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
    ('stg_supabase_users', 'staging', 'staging', 'stg_supabase_users', '{raw.raw_supabase_users}',
        'staging.refresh_stg_supabase_users', 'one row per user'),
    ('stg_supabase_sessions', 'staging', 'staging', 'stg_supabase_sessions', '{raw.raw_supabase_sessions}',
        'staging.refresh_stg_supabase_sessions', 'one row per session'),
    ('stg_supabase_auth_events', 'staging', 'staging', 'stg_supabase_auth_events', '{raw.raw_supabase_auth_events}',
        'staging.refresh_stg_supabase_auth_events', 'one row per authentication event');

insert into warehouse.model_state (model_name) select model_name from warehouse.models;

-- The salt functions are the pipeline's alone.
revoke all on function warehouse.pii_salt() from public;
revoke all on function warehouse.ensure_pii_salt() from public;

select warehouse.revoke_api_access();
