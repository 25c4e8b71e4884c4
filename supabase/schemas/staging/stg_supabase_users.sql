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

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_users__projection as
select
    r.id as user_id,
    warehouse.salted_sha256(warehouse.normalise_email(r.email), k.salt) as email_hash,
    warehouse.salted_sha256(host(r.last_login_ip), k.salt) as ip_hash,
    nullif(lower(split_part(btrim(r.email), '@', 2)), '') as email_domain,
    warehouse.mask_email(r.email) as email_masked,
    r.email_verified,
    r.has_password,
    r.auth_methods,
    r.preferred_auth_method,
    r.two_factor_enabled,
    coalesce(r.account_locked_until > now(), false) as is_account_locked,
    r.failed_login_attempts,
    r.last_login_at,
    coalesce(r.analytics_opt_out, false) as analytics_opt_out,
    r.created_at,
    r.updated_at,
    r.deleted_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_users as r
-- the salt once per query, not once per row
cross join (select warehouse.pii_salt() as salt offset 0) as k;

comment on view staging.stg_supabase_users__projection is
    'Model stg_supabase_users: each raw version of raw.raw_supabase_users as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_users__projection', 'staging.stg_supabase_users');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_users', 'staging', 'staging', 'stg_supabase_users', 'merge_scd1', '{user_id}', 'staging.stg_supabase_users__projection',
    'one row per user');

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
