-- Models: every staging and mart table is a model, a row in warehouse.models that names its target
-- and the function that refreshes it. A refresh function takes the range of extraction batches to
-- apply, (p_from_batch, p_to_batch], and returns rows in and out; the orchestrator
-- (warehouse.transform_and_publish, engine/publish.sql) keeps each model's position in
-- warehouse.model_state and runs the models in the dependency order their reads imply.

-- Models and lineage
create table warehouse.models (
    model_name text primary key,
    layer text not null check (layer in ('staging', 'marts')),
    target_schema text not null,
    target_table text not null,
    materialization text not null check (materialization in ('merge_scd1', 'recompute_keys')),
    unique_key text[] not null check (cardinality(unique_key) > 0),
    transformation text not null,
    touched_function text,
    recompute_key text[],
    post_hook text,
    grain text not null,
    unique (target_schema, target_table),
    check ((materialization = 'recompute_keys') = (touched_function is not null and recompute_key is not null))
);

comment on table warehouse.models is
    'The models of the warehouse (the in-database dbt project); one row per staging or mart table. Each row is in '
    'the model''s own file (supabase/schemas/<layer>/...); what a model reads is derived from its SQL '
    '(warehouse.model_lineage), never declared.';
comment on column warehouse.models.model_name is 'Model name, the same as its table name.';
comment on column warehouse.models.layer is 'staging or marts.';
comment on column warehouse.models.target_schema is 'Schema of the table the model maintains.';
comment on column warehouse.models.target_table is 'The table the model maintains.';
comment on column warehouse.models.materialization is
    'How its table is kept (engine/materializers.sql): merge_scd1 (staging: newest version per key, SCD1) or '
    'recompute_keys (marts: the rows of the keys a batch touched, recomputed).';
comment on column warehouse.models.unique_key is 'The columns that identify a row: the grain as a key.';
comment on column warehouse.models.transformation is
    'The SQL that holds the model''s logic: for merge_scd1 the view mapping raw versions to staging rows '
    '(<model>__projection), for recompute_keys the function (p_from_batch, p_to_batch) returning the rows of the touched keys '
    '(<model>__rows). Its dependencies are the model''s lineage.';
comment on column warehouse.models.touched_function is
    'recompute_keys: the SQL function (p_from_batch, p_to_batch) returning the keys (recompute_key) whose rows those batches changed.';
comment on column warehouse.models.recompute_key is
    'recompute_keys: the columns touched_function returns; every row with such a key is deleted and recomputed '
    '(the unique key, or a coarser one such as pet_id).';
comment on column warehouse.models.post_hook is
    'Optional SQL function (p_from_batch, p_to_batch) run after the materialization in the same transaction '
    '(dbt''s post-hook), for what a model also keeps besides its table.';
comment on column warehouse.models.grain is 'The grain, in words: one row per ...';

create table warehouse.model_state (
    model_name text primary key references warehouse.models (model_name) on delete cascade,
    last_batch_id bigint not null default 0,
    last_run_id bigint,
    refreshed_at timestamptz
);

comment on table warehouse.model_state is 'Each model''s position: the last extraction batch it has applied. Reset to 0 by a full refresh.';
comment on column warehouse.model_state.model_name is 'The model.';
comment on column warehouse.model_state.last_batch_id is 'Every batch up to this one is reflected in the model''s table.';
comment on column warehouse.model_state.last_run_id is 'The run that last published the model.';
comment on column warehouse.model_state.refreshed_at is 'When that run published it.';

create type warehouse.refresh_result as (
    rows_in bigint,
    rows_out bigint
);

comment on type warehouse.refresh_result is 'What a model refresh did: rows read from its inputs, rows written (inserted, updated or deleted).';

create function warehouse.model_definition_objects()
returns table (model_name text, classid oid, objid oid)
language sql
stable
set search_path = ''
as $$
    select m.model_name, 'pg_catalog.pg_class'::regclass::oid, to_regclass(m.transformation)::oid
    from warehouse.models as m
    where m.materialization = 'merge_scd1'
    union all
    select m.model_name, 'pg_catalog.pg_proc'::regclass::oid, to_regprocedure(f.fn || '(bigint, bigint)')::oid
    from warehouse.models as m
    cross join lateral (
        select m.transformation where m.materialization = 'recompute_keys'
        union all select m.touched_function
        union all select m.post_hook
    ) as f (fn)
    where f.fn is not null
$$;

comment on function warehouse.model_definition_objects() is
    'The catalog objects that hold each model''s SQL: its projection view, or its rows, touched and post-hook functions.';

create function warehouse.model_lineage()
returns table (model_name text, reads text[])
language sql
stable
set search_path = ''
as $$
    with recursive walk (model_name, classid, objid, depth) as (
        select o.model_name, o.classid, o.objid, 0
        from warehouse.model_definition_objects() as o
        where o.objid is not null
        union
        -- a view depends on what its rewrite rule reads; a SQL function with a BEGIN ATOMIC body on
        -- what its body reads and calls: follow both, through views and functions, to the tables
        select w.model_name, d.refclassid, d.refobjid, w.depth + 1
        from walk as w
        join pg_catalog.pg_depend as d
            on (w.classid = 'pg_catalog.pg_proc'::regclass and d.classid = w.classid and d.objid = w.objid)
            or (w.classid = 'pg_catalog.pg_class'::regclass and d.classid = 'pg_catalog.pg_rewrite'::regclass
                and d.objid in (select r.oid from pg_catalog.pg_rewrite as r where r.ev_class = w.objid))
        where d.refclassid in ('pg_catalog.pg_class'::regclass, 'pg_catalog.pg_proc'::regclass)
          and d.deptype = 'n'
          and w.depth < 20
    )
    select m.model_name, coalesce((
        select array_agg(distinct r.relation order by r.relation)
        from (
            select n.nspname || '.' || c.relname as relation
            from walk as w
            join pg_catalog.pg_class as c on c.oid = w.objid and c.relkind in ('r', 'p')
            join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
            where w.model_name = m.model_name and w.classid = 'pg_catalog.pg_class'::regclass
              and n.nspname in ('raw', 'staging', 'marts')
        ) as r
        where r.relation <> m.target_schema || '.' || m.target_table), '{}')
    from warehouse.models as m
$$;

comment on function warehouse.model_lineage() is
    'What each model reads, derived from its SQL (never declared): the raw, staging and mart tables its projection '
    'view or its functions depend on in pg_depend, through views and SQL functions. A model''s own table is left out.';

create function warehouse.model_order()
returns table (model_name text, layer text, depth integer, depends_on text[])
language sql
stable
set search_path = ''
as $$
    with recursive lineage as (
        select l.model_name, l.reads from warehouse.model_lineage() as l
    ),
    edges as (
        select m.model_name, d.model_name as upstream
        from warehouse.models as m
        join lineage as l on l.model_name = m.model_name
        join warehouse.models as d on (d.target_schema || '.' || d.target_table) = any (l.reads) and d.model_name <> m.model_name
    ),
    depths as (
        select m.model_name, 0 as depth
        from warehouse.models as m
        union all
        select e.model_name, p.depth + 1
        from edges as e
        join depths as p on p.model_name = e.upstream
        where p.depth < 50
    )
    select m.model_name, m.layer, max(d.depth)::integer as depth,
        coalesce((select array_agg(e.upstream order by e.upstream) from edges as e where e.model_name = m.model_name), '{}')
    from warehouse.models as m
    join depths as d on d.model_name = m.model_name
    group by m.model_name, m.layer
    order by max(d.depth), m.model_name
$$;

comment on function warehouse.model_order() is
    'The models in dependency order, derived from their lineage (warehouse.model_lineage): depth 0 reads only raw, '
    'depth n reads a model of depth n-1.';
