-- Raw tables
create table raw.raw_supabase_users (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    email varchar(255),
    email_verified boolean,
    has_password boolean,
    first_name varchar(100),
    last_name varchar(100),
    profile_photo_url text,
    auth_methods text[],
    preferred_auth_method varchar(50),
    two_factor_enabled boolean,
    account_locked_until timestamptz,
    failed_login_attempts integer,
    last_login_at timestamptz,
    last_login_ip inet,
    created_at timestamptz,
    updated_at timestamptz,
    deleted_at timestamptz,
    analytics_opt_out boolean,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_users');

comment on table raw.raw_supabase_users is
    'Raw users: one row per extracted version of an app user (public.users), append-only, partitioned by extraction month. '
    'hashed_password is never copied: has_password keeps only whether one was set.';
comment on column raw.raw_supabase_users.id is 'User id (public.users.id).';
comment on column raw.raw_supabase_users.email is 'Login email as extracted. PII: staging keeps only its salted hash and domain.';
comment on column raw.raw_supabase_users.email_verified is 'Whether the email was confirmed.';
comment on column raw.raw_supabase_users.has_password is 'Whether public.users.hashed_password was set; the hash itself never leaves the app database.';
comment on column raw.raw_supabase_users.first_name is 'Given name. PII: never past raw.';
comment on column raw.raw_supabase_users.last_name is 'Family name. PII: never past raw.';
comment on column raw.raw_supabase_users.profile_photo_url is 'Avatar URL. PII: never past raw.';
comment on column raw.raw_supabase_users.auth_methods is 'Sign-in methods enabled on the account.';
comment on column raw.raw_supabase_users.preferred_auth_method is 'The sign-in method the user last chose.';
comment on column raw.raw_supabase_users.two_factor_enabled is 'Whether two-factor authentication is on.';
comment on column raw.raw_supabase_users.account_locked_until is 'Lock expiry; in the future means the account is locked.';
comment on column raw.raw_supabase_users.failed_login_attempts is 'Consecutive failed logins.';
comment on column raw.raw_supabase_users.last_login_at is 'Time of the last successful login.';
comment on column raw.raw_supabase_users.last_login_ip is 'IP of the last successful login. PII: staging keeps only its salted hash.';
comment on column raw.raw_supabase_users.created_at is 'Sign-up time.';
comment on column raw.raw_supabase_users.updated_at is 'Source change time (the change-tracking column).';
comment on column raw.raw_supabase_users.deleted_at is 'Soft-delete time in the source.';
comment on column raw.raw_supabase_users.analytics_opt_out is 'The user opted out of analytics.';

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_users', 'public', 'users', 'id', 'updated_at', 'raw_supabase_users', 's.id');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_users', 'id', 'uuid', 'id', null),
    ('supabase_users', 'email', 'character varying(255)', 'email', null),
    ('supabase_users', 'email_verified', 'boolean', 'email_verified', null),
    ('supabase_users', 'hashed_password', 'character varying(255)', 'has_password', 's.hashed_password is not null'),
    ('supabase_users', 'first_name', 'character varying(100)', 'first_name', null),
    ('supabase_users', 'last_name', 'character varying(100)', 'last_name', null),
    ('supabase_users', 'profile_photo_url', 'text', 'profile_photo_url', null),
    ('supabase_users', 'auth_methods', 'text[]', 'auth_methods', null),
    ('supabase_users', 'preferred_auth_method', 'character varying(50)', 'preferred_auth_method', null),
    ('supabase_users', 'two_factor_enabled', 'boolean', 'two_factor_enabled', null),
    ('supabase_users', 'account_locked_until', 'timestamp with time zone', 'account_locked_until', null),
    ('supabase_users', 'failed_login_attempts', 'integer', 'failed_login_attempts', null),
    ('supabase_users', 'last_login_at', 'timestamp with time zone', 'last_login_at', null),
    ('supabase_users', 'last_login_ip', 'inet', 'last_login_ip', null),
    ('supabase_users', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_users', 'updated_at', 'timestamp with time zone', 'updated_at', null),
    ('supabase_users', 'deleted_at', 'timestamp with time zone', 'deleted_at', null),
    ('supabase_users', 'analytics_opt_out', 'boolean', 'analytics_opt_out', null);

select warehouse.prepare_source('supabase_users');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_users', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted user versions; older monthly partitions are archived, then dropped.');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('raw', 'raw_supabase_users', 'id = $1');

-- The raw layer's view of which users exist now: the newest version of each id, unless a tombstone.
create view warehouse.raw_current_users as
select v.id as user_id
from (
    select distinct on (r.id) r.id, r.is_tombstone
    from raw.raw_supabase_users as r
    order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
) as v
where not v.is_tombstone;

comment on view warehouse.raw_current_users is
    'One row per user whose newest raw version is not a tombstone: raw''s side of the user-count reconciliation.';
comment on column warehouse.raw_current_users.user_id is 'The user.';
