-- Operational reference schema: app sessions (one row per signed-in session). NOT a migration.

create table if not exists public.sessions (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references public.users (id) on delete cascade,
    started_at timestamptz not null,
    last_activity_at timestamptz,
    ended_at timestamptz,
    ip_address inet,
    user_agent text,
    device_type varchar(20),
    auth_method varchar(50),
    api_calls_count integer not null default 0,
    features_used text[] not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on table public.sessions is 'PetForce app sessions (operational, one row per session). Reference copy for local work.';
comment on column public.sessions.id is 'Session id.';
comment on column public.sessions.user_id is 'The account the session belongs to.';
comment on column public.sessions.started_at is 'When the session began (sign-in or resume).';
comment on column public.sessions.last_activity_at is 'Last request seen in the session.';
comment on column public.sessions.ended_at is 'Logout or expiry time; NULL while open.';
comment on column public.sessions.ip_address is 'Client IP address. PII.';
comment on column public.sessions.user_agent is 'Client user agent string.';
comment on column public.sessions.device_type is 'ios, android or web.';
comment on column public.sessions.auth_method is 'How the session was authenticated.';
comment on column public.sessions.api_calls_count is 'API calls made in the session so far.';
comment on column public.sessions.features_used is 'App features used in the session (names).';
comment on column public.sessions.created_at is 'Row creation time.';
comment on column public.sessions.updated_at is 'Last change to the row (kept by trigger); the warehouse extracts by it.';

create index if not exists sessions_updated_at_idx on public.sessions (updated_at);
create index if not exists sessions_user_id_idx on public.sessions (user_id);

create or replace trigger sessions_set_updated_at
    before update on public.sessions
    for each row execute function public.set_updated_at();
