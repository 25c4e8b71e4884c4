-- Test helpers, loaded into throwaway test clusters only (scripts/test.ts), never by a migration.
-- Factories for operational rows, so each pgTAP file states only what it is about.

create extension if not exists pgtap with schema extensions;
create extension if not exists dblink with schema extensions;

create schema if not exists tests;
comment on schema tests is 'pgTAP helpers for the warehouse tests (test clusters only).';

create or replace function tests.create_user(
    p_email text default null,
    p_first_name text default 'Test',
    p_last_name text default 'Person',
    p_ip inet default '203.0.113.10'
)
returns uuid
language sql
as $$
    insert into public.users (
        email, email_verified, hashed_password, first_name, last_name, auth_methods, preferred_auth_method,
        last_login_at, last_login_ip, created_at
    )
    values (
        coalesce(p_email, 'user.' || replace(gen_random_uuid()::text, '-', '') || '@example.com'),
        true, '$2a$10$abcdefghijklmnopqrstuv', p_first_name, p_last_name, '{email}', 'email',
        now() - interval '1 day', p_ip, now() - interval '40 days'
    )
    returning id
$$;

comment on function tests.create_user(text, text, text, inet) is 'Inserts an app user and returns its id.';

create or replace function tests.create_session(p_user_id uuid, p_started_at timestamptz default now() - interval '2 hours')
returns uuid
language sql
as $$
    insert into public.sessions (user_id, started_at, last_activity_at, ended_at, ip_address, device_type, auth_method,
        api_calls_count, features_used, created_at)
    values (p_user_id, p_started_at, p_started_at + interval '20 minutes', p_started_at + interval '30 minutes',
        '198.51.100.7', 'web', 'email', 12, '{pet_profile,health_log}', p_started_at)
    returning id
$$;

comment on function tests.create_session(uuid, timestamptz) is 'Inserts a 30-minute web session for a user and returns its id.';

create or replace function tests.create_auth_event(
    p_user_id uuid,
    p_event_type text default 'login_success',
    p_occurred_at timestamptz default now() - interval '2 hours'
)
returns uuid
language sql
as $$
    insert into public.auth_events (user_id, event_type, auth_method, failure_reason, ip_address, occurred_at, created_at)
    values (p_user_id, p_event_type, 'email', case when p_event_type = 'login_failure' then 'bad_password' end,
        '198.51.100.7', p_occurred_at, now())
    returning id
$$;

comment on function tests.create_auth_event(uuid, text, timestamptz) is 'Inserts an auth event for a user and returns its id.';

create or replace function tests.dblink_url()
returns text
language sql
stable
as $$
    select format('host=127.0.0.1 port=%s dbname=%s user=postgres password=postgres', inet_server_port(), current_database())
$$;

comment on function tests.dblink_url() is 'Connection string for a second session to this test cluster (dblink).';

-- pgTAP's functions must stay callable after `set local role` to a warehouse role under test.
grant usage on schema extensions, tests to public;
