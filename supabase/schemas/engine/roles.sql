-- Roles and privileges: who may touch which layer. Created first, so that every object the tree
-- creates afterwards gets its grants from the default privileges set here.
--
--   analyst_role         marts only (row-level security: engine/privacy.sql)
--   data_engineer_role   reads every layer, for debugging (not the PII salt: engine/pii.sql)
--   warehouse_pipeline   the pipeline's own least-privilege role: may insert into raw, never change it
--   warehouse_auditor    pgaudit.role: holds SELECT on every warehouse table so that pgaudit logs each read

-- Analysts read marts, and only marts. (Roles, RLS and the Metabase login: the privacy migration.)
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'analyst_role') then
        create role analyst_role nologin;
    end if;
end
$$;

comment on role analyst_role is 'Analysts and Metabase: read the marts schema only. Unqualified names resolve in marts.';
alter role analyst_role set search_path = marts;
grant usage on schema marts to analyst_role;
grant select on all tables in schema marts to analyst_role;
alter default privileges in schema marts grant select on tables to analyst_role;
revoke all on all functions in schema marts from analyst_role;

-- Roles
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'data_engineer_role') then
        create role data_engineer_role nologin;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'warehouse_pipeline') then
        create role warehouse_pipeline nologin;
    end if;
end
$$;

comment on role data_engineer_role is 'Data engineers: read every warehouse layer for debugging. Not the PII salt.';
comment on role warehouse_pipeline is 'The pipeline''s own role: reads the sources, inserts into raw (never updates or deletes it), maintains staging and marts.';

-- Data engineers read everything, now and later, except the secrets table.
grant usage on schema raw, staging, marts, audit, warehouse to data_engineer_role;
grant select on all tables in schema raw, staging, marts, audit, warehouse to data_engineer_role;
alter default privileges in schema raw, staging, marts, audit, warehouse grant select on tables to data_engineer_role;
alter role data_engineer_role set search_path = marts, staging, raw, warehouse;

-- The pipeline: raw is insert-only for it; the other layers are its to maintain.
grant usage on schema raw, staging, marts, warehouse to warehouse_pipeline;
grant select, insert on all tables in schema raw to warehouse_pipeline;
grant select, insert, update, delete on all tables in schema staging, marts to warehouse_pipeline;
grant select, insert, update, delete on all tables in schema warehouse to warehouse_pipeline;
grant usage on all sequences in schema warehouse to warehouse_pipeline;
grant execute on all routines in schema warehouse, staging, marts to warehouse_pipeline;
alter default privileges in schema raw grant select, insert on tables to warehouse_pipeline;
alter default privileges in schema staging, marts, warehouse grant select, insert, update, delete on tables to warehouse_pipeline;
alter default privileges in schema warehouse grant usage on sequences to warehouse_pipeline;
alter default privileges in schema warehouse, staging, marts grant execute on routines to warehouse_pipeline;

-- pgaudit object auditing
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'warehouse_auditor') then
        create role warehouse_auditor nologin;
    end if;
end
$$;

comment on role warehouse_auditor is
    'pgaudit.role for the warehouse: pgaudit logs every statement that uses a privilege this role holds. Holds SELECT '
    'on raw, staging and marts tables only. Never log in as it, never grant it to anyone.';

-- Every read of raw, staging and marts is audited, for tables created later too. Not audit (reading the audit log
-- while ingesting would log itself again and again) and not warehouse (the pipeline's own bookkeeping).
grant select on all tables in schema raw, staging, marts to warehouse_auditor;
alter default privileges in schema raw, staging, marts grant select on tables to warehouse_auditor;
