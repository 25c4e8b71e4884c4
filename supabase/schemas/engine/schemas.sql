-- Warehouse foundation: the five schemas, pg_cron, and no access for the Data API roles.
--
--   raw        append-only copies of operational rows, exactly as extracted
--   staging    cleaned, typed, deduplicated current state; PII hashed
--   marts      Kimball facts and dimensions for analysts and Metabase
--   audit      who queried the warehouse (warehouse_audit_logs)
--   warehouse  the pipeline's own control tables, procedures and logs
create extension if not exists pg_cron with schema pg_catalog;

create schema if not exists raw;
create schema if not exists staging;
create schema if not exists marts;
create schema if not exists audit;
create schema if not exists warehouse;

comment on schema raw is 'Raw layer: append-only, immutable copies of operational rows, partitioned by extraction month.';
comment on schema staging is 'Staging layer: current state (SCD1) per key, typed, deduplicated, PII hashed with a secret salt.';
comment on schema marts is 'Marts layer: dimensional models (facts and dimensions) for analysts and Metabase. The only schema analysts read.';
comment on schema audit is 'Audit layer: warehouse_audit_logs, one row per statement run against the warehouse. Insert-only.';
comment on schema warehouse is 'The pipeline itself: source registry, watermarks, run and step logs, quality tests, procedures.';

-- The Data API roles and PUBLIC get nothing in the warehouse, now or later.
revoke all on schema raw, staging, marts, audit, warehouse from public, anon, authenticated;

create function warehouse.revoke_api_access()
returns integer
language plpgsql
set search_path = ''
as $$
declare
    v_schema text;
    v_count integer := 0;
begin
    foreach v_schema in array array['raw', 'staging', 'marts', 'audit', 'warehouse'] loop
        execute format('revoke all on schema %I from public, anon, authenticated', v_schema);
        execute format('revoke all on all tables in schema %I from public, anon, authenticated', v_schema);
        execute format('revoke all on all sequences in schema %I from public, anon, authenticated', v_schema);
        execute format('revoke all on all routines in schema %I from public, anon, authenticated', v_schema);
        v_count := v_count + 1;
    end loop;
    return v_count;
end;
$$;

comment on function warehouse.revoke_api_access() is
    'Revokes every privilege of PUBLIC, anon and authenticated on the warehouse schemas and all their objects '
    '(functions are executable by PUBLIC by default). Every migration calls it last. Returns the number of schemas.';

-- Future objects: no grants to the API roles by default (functions still get PUBLIC execute from the
-- global default, which revoke_api_access removes at the end of each migration).
alter default privileges in schema raw, staging, marts, audit, warehouse
    revoke all on tables from public, anon, authenticated;
alter default privileges in schema raw, staging, marts, audit, warehouse
    revoke all on sequences from public, anon, authenticated;
