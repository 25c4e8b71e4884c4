-- Staging tables
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

-- Staging models: the newest version per key among the new batches, merged in (SCD1). A version
-- older than the one staging holds never overwrites it; a tombstone marks the row hard-deleted.
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

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('stg_supabase_users', 'staging', 'staging', 'stg_supabase_users', '{raw.raw_supabase_users}',
        'staging.refresh_stg_supabase_users', 'one row per user');

insert into warehouse.model_state (model_name) values ('stg_supabase_users');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_users__user_id__unique', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'unique', 'user_id', 'user_id', '{}', 'error',
        'Each user appears once in staging.'),
    ('stg_supabase_users__user_id__not_null', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'not_null', 'user_id', null, '{}', 'error',
        'Every staging user has an id.'),
    ('stg_supabase_users__email_hash__not_null', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'not_null', 'email_hash', 'user_id', '{}', 'error',
        'Every staging user has an email hash.'),
    ('stg_supabase_users__email_hash__unique', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'unique', 'email_hash', 'user_id',
        '{"where": "not is_hard_deleted"}', 'error',
        'An email (trimmed, lowercased) belongs to one user: two accounts with one email are a duplicate key.'),
    ('stg_supabase_users__preferred_auth_method__accepted_values', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'accepted_values',
        'preferred_auth_method', 'user_id', '{"values": ["email", "google", "apple", "magic_link"]}', 'warn',
        'Preferred sign-in methods are the ones the app offers.'),
    ('assert_source_user_counts_match', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'row_count_match', null, null,
        '{"relations": [{"schema": "public", "table": "users", "label": "source"},
                        {"schema": "staging", "table": "stg_supabase_users", "where": "not is_hard_deleted", "label": "staging"}]}',
        'warn', 'The source and staging hold the same users (warn: the source keeps changing while the pipeline runs).');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('staging', 'stg_supabase_users', 'user_id = $1');
