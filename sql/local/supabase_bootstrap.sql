-- What a Supabase project's database has and a plain PostgreSQL cluster lacks, made as Supabase
-- makes it, so that the migrations run unchanged on both. Local and test clusters only: never run
-- against a Supabase project (it already has all of this). Idempotent.

do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'anon') then
        create role anon nologin noinherit;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'authenticated') then
        create role authenticated nologin noinherit;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'service_role') then
        create role service_role nologin noinherit bypassrls;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'authenticator') then
        create role authenticator login noinherit;
    end if;
end
$$;

grant anon, authenticated, service_role to authenticator;

create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;

-- Supabase's search path for the postgres role (pgTAP and other extensions live in `extensions`).
alter role postgres set search_path = "$user", public, extensions;

-- Supabase exposes new objects in `public` to the Data API roles by default ("auto expose").
-- The warehouse must never rely on that, so the local stack reproduces it.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    grant all on functions to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    grant all on sequences to anon, authenticated, service_role;
