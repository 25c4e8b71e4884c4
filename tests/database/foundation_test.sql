-- Test: the warehouse schemas exist, pg_cron is installed, every migration is recorded, and the
-- Data API roles (anon, authenticated) have no privilege on any warehouse schema or object.
begin;
select plan(9);

select has_schema('raw', 'raw schema should exist');
select has_schema('staging', 'staging schema should exist');
select has_schema('marts', 'marts schema should exist');
select has_schema('audit', 'audit schema should exist');
select has_schema('warehouse', 'warehouse schema should exist');

select has_extension('pg_cron', 'pg_cron should be installed');

select set_eq(
    'select version from supabase_migrations.schema_migrations',
    string_to_array(:'migration_versions', ','),
    'the migrations table should list every migration file, and nothing else'
);

select is_empty(
    $$
    select r.role_name, n.nspname
    from pg_namespace as n
    cross join (values ('anon'), ('authenticated'), ('public')) as r (role_name)
    where n.nspname in ('raw', 'staging', 'marts', 'audit', 'warehouse')
      and (
          (r.role_name <> 'public' and has_schema_privilege(r.role_name, n.oid, 'usage, create'))
          or exists (
              select 1 from aclexplode(n.nspacl) as a where a.grantee = 0
          )
      )
    $$,
    'anon, authenticated and PUBLIC should have no privilege on any warehouse schema'
);

select is_empty(
    $$
    with warehouse_objects as (
        select c.oid, n.nspname || '.' || c.relname as object_name, c.relkind::text as kind, c.relacl as acl
        from pg_class as c
        join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname in ('raw', 'staging', 'marts', 'audit', 'warehouse')
          and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
        union all
        select p.oid, n.nspname || '.' || p.proname, 'routine', p.proacl
        from pg_proc as p
        join pg_namespace as n on n.oid = p.pronamespace
        where n.nspname in ('raw', 'staging', 'marts', 'audit', 'warehouse')
    )
    select o.object_name, o.kind, r.role_name
    from warehouse_objects as o
    cross join (values ('anon'), ('authenticated')) as r (role_name)
    where case
        when o.kind = 'routine' then has_function_privilege(r.role_name, o.oid, 'execute')
        when o.kind = 'S' then has_sequence_privilege(r.role_name, o.oid, 'usage, select, update')
        else has_table_privilege(r.role_name, o.oid, 'select, insert, update, delete, truncate, references, trigger')
    end
    or (o.acl is null and o.kind = 'routine')
    or exists (select 1 from aclexplode(o.acl) as a where a.grantee = 0)
    $$,
    'anon and authenticated should have no privilege on any warehouse table, view, sequence or routine, and PUBLIC no grant'
);

rollback;
