-- PII: the secret salt and the hashing that keeps raw emails and IPs out of staging and marts.
--
-- Emails and IPs are hashed as SHA-256(salt || normalised value). The salt is created once, at the
-- first pipeline run, never printed and never in a migration: in Supabase Vault (secret
-- 'warehouse_pii_salt') where Vault exists, else in warehouse.secrets, which only the owner reads.

-- The PII salt and hashing
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
revoke all on warehouse.secrets from data_engineer_role;

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

-- The hashing helpers run once per staged row. They are SQL functions without a SET clause, every name in them
-- qualified (pg_catalog for built-ins and operators), so that PostgreSQL inlines them into the staging
-- projections: no function call, nor search_path save and restore, per row. (A SET clause, or a body more
-- volatile than the function's declaration, prevents inlining.)
create function warehouse.salted_sha256(p_value text, p_salt text)
returns varchar(64)
language sql
stable
parallel safe
as $$
    select pg_catalog.encode(
        pg_catalog.sha256(pg_catalog.convert_to(p_salt operator(pg_catalog.||) p_value, 'UTF8')), 'hex')::pg_catalog.varchar(64)
$$;

comment on function warehouse.salted_sha256(text, text) is
    'SHA-256 of salt || value as 64 hex characters; NULL for a NULL value. Callers normalise the value first. Stable, '
    'as convert_to is (so that it inlines); the same value and salt always give the same hash.';

create function warehouse.normalise_email(p_email text)
returns text
language sql
immutable
parallel safe
as $$
    select nullif(pg_catalog.lower(pg_catalog.btrim(p_email)), '')
$$;

comment on function warehouse.normalise_email(text) is 'An email as hashed: trimmed and lowercased.';

create function warehouse.mask_email(p_email text)
returns text
language sql
immutable
parallel safe
as $$
    select case
        when p_email is null or pg_catalog.strpos(p_email, '@') operator(pg_catalog.=) 0 then null
        else pg_catalog.left(pg_catalog.split_part(p_email, '@', 1), 4) operator(pg_catalog.||) '***@'
            operator(pg_catalog.||) pg_catalog.split_part(p_email, '@', 2)
    end
$$;

comment on function warehouse.mask_email(text) is 'Masked email as the seed shows it (user***@example.com): first 4 characters of the local part.';

-- The salt functions are the pipeline's alone.
revoke all on function warehouse.pii_salt() from public;
revoke all on function warehouse.ensure_pii_salt() from public;

-- Staging
create function warehouse.jsonb_has_pii(p_value jsonb)
returns boolean
language sql
immutable
parallel safe
as $$
    select coalesce(
        -- a key that names personal data, at any depth
        p_value::pg_catalog.text operator(pg_catalog.~*) '"(e_?mail|email_address|first_?name|last_?name|full_?name|name|user_?name|phone|phone_number|mobile|address|street|postcode|postal_code|zip|zip_code|ip|ip_address|password|ssn|birth_?date|dob|lat|lng|lon|latitude|longitude)"\s*:'
        -- or a value that looks like an email address or an IPv4 address
        or p_value::pg_catalog.text operator(pg_catalog.~*) '[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}'
        or p_value::pg_catalog.text operator(pg_catalog.~) '(^|[^0-9.])([0-9]{1,3}\.){3}[0-9]{1,3}([^0-9.]|$)',
        false)
$$;

comment on function warehouse.jsonb_has_pii(jsonb) is
    'Whether a JSON document may hold PII: a key naming personal data (email, name, phone, address, ip, password, '
    'birth date, coordinates...) at any depth, or a value that looks like an email or IPv4 address. Staging drops '
    'such event properties whole.';
