-- Operational reference schema: PetForce's app table of users, as the seed's raw_supabase_users
-- describes it. NOT a migration: production already has this table. Local setup and the tests load
-- it before the migrations so that the warehouse has something to read. Idempotent.

create table if not exists public.users (
    id uuid primary key default gen_random_uuid(),
    email varchar(255) not null unique,
    email_verified boolean not null default false,
    hashed_password varchar(255),
    first_name varchar(100),
    last_name varchar(100),
    profile_photo_url text,
    auth_methods text[] not null default '{email}',
    preferred_auth_method varchar(50),
    two_factor_enabled boolean not null default false,
    account_locked_until timestamptz,
    failed_login_attempts integer not null default 0,
    last_login_at timestamptz,
    last_login_ip inet,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz,
    analytics_opt_out boolean not null default false
);

comment on table public.users is
    'PetForce app users (operational, one row per account). Reference copy for local work; the warehouse only reads it.';
comment on column public.users.id is 'Account id (Supabase auth user id).';
comment on column public.users.email is 'Login email. PII: never leaves staging unhashed.';
comment on column public.users.email_verified is 'Whether the email address was confirmed.';
comment on column public.users.hashed_password is 'Password hash; NULL for password-less accounts. Never copied into the warehouse.';
comment on column public.users.first_name is 'Given name. PII.';
comment on column public.users.last_name is 'Family name. PII.';
comment on column public.users.profile_photo_url is 'Avatar URL. PII.';
comment on column public.users.auth_methods is 'Sign-in methods enabled on the account (email, google, apple, magic_link).';
comment on column public.users.preferred_auth_method is 'The sign-in method the user last chose.';
comment on column public.users.two_factor_enabled is 'Whether TOTP two-factor authentication is on.';
comment on column public.users.account_locked_until is 'Lock after repeated failures; in the future means locked now.';
comment on column public.users.failed_login_attempts is 'Consecutive failed logins since the last success.';
comment on column public.users.last_login_at is 'Time of the last successful login.';
comment on column public.users.last_login_ip is 'IP address of the last successful login. PII.';
comment on column public.users.created_at is 'Sign-up time.';
comment on column public.users.updated_at is 'Last change to the row (kept by trigger); the warehouse extracts by it.';
comment on column public.users.deleted_at is 'Soft-delete time; NULL while the account exists.';
comment on column public.users.analytics_opt_out is
    'The one column the app must add for the warehouse: the user opted out of analytics, so analysts see none of their rows.';

create index if not exists users_updated_at_idx on public.users (updated_at);

create or replace function public.set_updated_at()
returns trigger
language plpgsql
as $$
begin
    new.updated_at := now();
    return new;
end;
$$;

comment on function public.set_updated_at() is 'Keeps updated_at at the changing transaction''s start time.';

create or replace trigger users_set_updated_at
    before update on public.users
    for each row execute function public.set_updated_at();
