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
    reads text[] not null,
    refresh_function text not null,
    grain text not null,
    unique (target_schema, target_table)
);

comment on table warehouse.models is
    'The models of the warehouse (the in-database dbt project); one row per staging or mart table.';
comment on column warehouse.models.model_name is 'Model name, the same as its table name.';
comment on column warehouse.models.layer is 'staging or marts.';
comment on column warehouse.models.target_schema is 'Schema of the table the model maintains.';
comment on column warehouse.models.target_table is 'The table the model maintains.';
comment on column warehouse.models.reads is
    'Relations the model reads (schema.table): its lineage. A model runs after every model whose table it reads.';
comment on column warehouse.models.refresh_function is
    'Function (p_from_batch bigint, p_to_batch bigint) returning warehouse.refresh_result that applies those batches.';
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

create function warehouse.model_order()
returns table (model_name text, layer text, depth integer, depends_on text[])
language sql
stable
set search_path = ''
as $$
    with recursive edges as (
        select m.model_name, d.model_name as upstream
        from warehouse.models as m
        join warehouse.models as d on (d.target_schema || '.' || d.target_table) = any (m.reads)
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
    'The models in dependency order, derived from what each declares it reads: depth 0 reads only raw, depth n reads a model of depth n-1.';
