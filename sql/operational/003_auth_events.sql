-- Operational reference schema: authentication events (insert-only log). NOT a migration.

create table if not exists public.auth_events (
    id uuid primary key default gen_random_uuid(),
    user_id uuid,
    event_type varchar(30) not null
        check (event_type in ('login_success', 'login_failure', 'token_refresh', 'logout', 'password_reset')),
    auth_method varchar(50),
    failure_reason varchar(100),
    ip_address inet,
    user_agent text,
    occurred_at timestamptz not null,
    created_at timestamptz not null default now()
);

comment on table public.auth_events is
    'PetForce authentication events (operational, one row per event, insert-only). Reference copy for local work.';
comment on column public.auth_events.id is 'Event id.';
comment on column public.auth_events.user_id is 'The account concerned; NULL when a login named an unknown email.';
comment on column public.auth_events.event_type is 'login_success, login_failure, token_refresh, logout or password_reset.';
comment on column public.auth_events.auth_method is 'Method used (email, google, apple, magic_link).';
comment on column public.auth_events.failure_reason is 'Why a login failed (bad_password, account_locked, ...); NULL otherwise.';
comment on column public.auth_events.ip_address is 'Client IP address. PII.';
comment on column public.auth_events.user_agent is 'Client user agent string.';
comment on column public.auth_events.occurred_at is 'When the event happened.';
comment on column public.auth_events.created_at is 'When the row was written; the warehouse extracts by it.';

create index if not exists auth_events_created_at_idx on public.auth_events (created_at);
create index if not exists auth_events_user_id_idx on public.auth_events (user_id, occurred_at);
