-- Test: the catalog is the documentation — every warehouse table, view, column and routine has a
-- comment — and the models run in the order their derived lineage implies.
begin;
select plan(5);

select is_empty(
    $$
    select n.nspname || '.' || c.relname
    from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname in ('raw', 'staging', 'marts', 'audit', 'warehouse') and c.relkind in ('r', 'p', 'v', 'm')
      and not c.relispartition and obj_description(c.oid, 'pg_class') is null
    $$,
    'every warehouse table and view should have a comment');

select is_empty(
    $$
    select n.nspname || '.' || c.relname || '.' || a.attname
    from pg_class as c
    join pg_namespace as n on n.oid = c.relnamespace
    join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where n.nspname in ('raw', 'staging', 'marts', 'audit', 'warehouse') and c.relkind in ('r', 'p', 'v', 'm')
      and not c.relispartition and col_description(c.oid, a.attnum) is null
    $$,
    'every column of every warehouse table and view should have a comment');

select is_empty(
    $$
    select p.oid::regprocedure::text
    from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
    where n.nspname in ('raw', 'staging', 'marts', 'audit', 'warehouse') and obj_description(p.oid, 'pg_proc') is null
    $$,
    'every warehouse function and procedure should have a comment');

select is_empty(
    $$
    select m.model_name
    from warehouse.model_order() as m
    join warehouse.model_order() as up on up.model_name = any (m.depends_on)
    where up.depth >= m.depth
    $$,
    'every model should run after the models it reads');

select ok(
    (select max(depth) from warehouse.model_order() where layer = 'staging') < (select min(depth) from warehouse.model_order() where layer = 'marts'),
    'staging models should all run before mart models');

select * from finish();
rollback;
