-- Materializers: the one implementation of each way a model's table is kept up to date, as
-- warehouse.extract_source is the one implementation of extraction. A model declares what is
-- particular to it (its key and its transformation, in its own file); the materializer does the rest.
--
--   merge_scd1      staging: the model's view (<model>__projection) maps every raw version to a staging
--                   row, key first, plus _batch_id, _changed_at and _is_tombstone. For the batches in
--                   range the materializer keeps the newest version per key, upserts it where it is not
--                   older than what staging holds (SCD1), and marks tombstoned keys hard-deleted.
--   recompute_keys  marts: the model's touched function returns the keys (recompute_key) the batches
--                   touched, and its rows function (<model>__rows) the mart's rows for those keys,
--                   computed from scratch. The materializer deletes the touched keys' rows and inserts
--                   the recomputed ones: a key whose inputs are gone simply does not come back.
--
-- A model that also keeps something besides its table names a post_hook, run right after. Every
-- materializer takes the batch range (p_from_batch, p_to_batch] and returns rows in and out.

create function warehouse.model_columns(p_relation regclass, p_exclude text[] default '{}')
returns text[]
language sql
stable
set search_path = ''
as $$
    select coalesce(array_agg(a.attname::text order by a.attnum), '{}')
    from pg_catalog.pg_attribute as a
    where a.attrelid = p_relation and a.attnum > 0 and not a.attisdropped and a.attname <> all (p_exclude)
$$;

comment on function warehouse.model_columns(regclass, text[]) is
    'The columns of a table or view in their order, less the excluded ones: what a materializer copies.';

create function warehouse.table_is_empty(p_table regclass)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
declare
    v_any boolean;
begin
    execute format('select not exists (select 1 from %s)', p_table) into v_any;
    return v_any;
end;
$$;

comment on function warehouse.table_is_empty(regclass) is 'Whether a table has no row (visible to this transaction).';

-- A bulk load into an empty table builds its secondary indexes once, after the rows, rather than
-- maintaining them row by row (a sorted build is several times cheaper): the indexes that back no
-- constraint are dropped before and created again after, with the same names, definitions and comments.
create function warehouse.drop_secondary_indexes(p_table regclass)
returns text[]
language plpgsql
set search_path = ''
as $$
declare
    v_index record;
    v_recreate text[] := '{}';
begin
    for v_index in
        select i.indexrelid::regclass as index_name, pg_catalog.pg_get_indexdef(i.indexrelid) as definition,
               pg_catalog.obj_description(i.indexrelid, 'pg_class') as comment
        from pg_catalog.pg_index as i
        where i.indrelid = p_table
          and not exists (select 1 from pg_catalog.pg_constraint as c where c.conindid = i.indexrelid)
        order by i.indexrelid
    loop
        -- a partitioned table's index is defined ON ONLY the parent: created again, it spans the partitions
        v_recreate := v_recreate || replace(v_index.definition, ' ON ONLY ', ' ON ');
        if v_index.comment is not null then
            v_recreate := v_recreate || format('comment on index %s is %L', v_index.index_name, v_index.comment);
        end if;
        execute format('drop index %s', v_index.index_name);
    end loop;
    return v_recreate;
end;
$$;

comment on function warehouse.drop_secondary_indexes(regclass) is
    'Drops the indexes of a table that back no constraint (on a partitioned table: with its partitions'' indexes) and '
    'returns the statements that create them again, comments included: for warehouse.create_indexes after a bulk load.';

-- The same for the primary key and unique constraints of a bulk-loaded table: an index filled row by row in
-- the order a transformation emits its rows splits pages all along the key (a mart's key index came out
-- 1.8 times the size of the same index built after, and the load took twice as long). Built again after
-- the rows, the constraint checks every row once: a duplicated key fails the step as an insert would.
create function warehouse.drop_key_constraints(p_table regclass)
returns text[]
language plpgsql
set search_path = ''
as $$
declare
    v_constraint record;
    v_recreate text[] := '{}';
begin
    for v_constraint in
        select c.conname, pg_catalog.pg_get_constraintdef(c.oid) as definition,
               pg_catalog.obj_description(c.oid, 'pg_constraint') as comment
        from pg_catalog.pg_constraint as c
        where c.conrelid = p_table and c.contype in ('p', 'u')
          -- a key another table's foreign key references stays (dropping it would need that key dropped too)
          and not exists (select 1 from pg_catalog.pg_constraint as f where f.contype = 'f' and f.conindid = c.conindid)
        order by c.oid
    loop
        v_recreate := v_recreate || format('alter table %s add constraint %I %s', p_table, v_constraint.conname, v_constraint.definition);
        if v_constraint.comment is not null then
            v_recreate := v_recreate || format('comment on constraint %I on %s is %L', v_constraint.conname, p_table, v_constraint.comment);
        end if;
        execute format('alter table %s drop constraint %I', p_table, v_constraint.conname);
    end loop;
    return v_recreate;
end;
$$;

comment on function warehouse.drop_key_constraints(regclass) is
    'Drops the primary key and unique constraints of a table (those no foreign key references) and returns the '
    'statements that add them again, comments included: for warehouse.create_indexes after a bulk load, so that their '
    'indexes are built once, sorted, over all rows.';

create function warehouse.drop_bulk_load_indexes(p_table regclass)
returns text[]
language sql
volatile
set search_path = ''
begin atomic
    select warehouse.drop_key_constraints(p_table) || warehouse.drop_secondary_indexes(p_table);
end;

comment on function warehouse.drop_bulk_load_indexes(regclass) is
    'Before a bulk load into an empty table: drops its key constraints and secondary indexes '
    '(warehouse.drop_key_constraints, warehouse.drop_secondary_indexes) and returns the statements that build them '
    'again, keys first, for warehouse.create_indexes after the rows.';

create function warehouse.create_indexes(p_statements text[])
returns integer
language plpgsql
set search_path = ''
as $$
declare
    v_statement text;
begin
    foreach v_statement in array p_statements loop
        execute v_statement;
    end loop;
    return cardinality(p_statements);
end;
$$;

comment on function warehouse.create_indexes(text[]) is
    'Runs the statements warehouse.drop_secondary_indexes returned: the indexes are built once, over all rows.';

create function warehouse.merge_scd1(p_model_name text, p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_model warehouse.models;
    v_projection regclass;
    v_key text;
    v_columns text[];
    v_sql text;
    v_changed text := warehouse.changed_keys_table(p_model_name);
    v_indexes text[];
    v_result warehouse.refresh_result;
begin
    select * into strict v_model from warehouse.models where model_name = p_model_name;
    v_projection := v_model.transformation::regclass;
    v_key := v_model.unique_key[1];
    v_columns := warehouse.model_columns(v_projection, array['_batch_id', '_changed_at', '_is_tombstone']);
    if v_columns[1] is distinct from v_key or cardinality(v_model.unique_key) <> 1 then
        raise exception 'model %: a merge_scd1 projection must start with its one key column % (it starts with %)',
            p_model_name, v_key, v_columns[1];
    end if;
    -- A first load into an empty table (a backfill step): the newest version of every key, inserted as it
    -- is (no upsert, no tombstone update); the backfill tests every row after, so no changed keys either.
    if p_from_batch = 0 and warehouse.table_is_empty(format('%I.%I', v_model.target_schema, v_model.target_table)::regclass) then
        v_indexes := warehouse.drop_bulk_load_indexes(format('%I.%I', v_model.target_schema, v_model.target_table)::regclass);
        execute format($q$
            insert into %3$I.%4$I (%5$s, _changed_at, _batch_id, _dbt_loaded_at)
            select %6$s, v._changed_at, v._batch_id, now()
            from (
                select distinct on (p.%1$I) p.*
                from %2$s as p
                where p._batch_id <= $1
                order by p.%1$I, p._changed_at desc nulls last, p._batch_id desc, p._is_tombstone desc
            ) as v
            where not v._is_tombstone
            $q$,
            v_key, v_projection, v_model.target_schema, v_model.target_table,
            (select string_agg(format('%I', c), ', ') from unnest(v_columns) as c),
            (select string_agg(format('v.%I', c), ', ') from unnest(v_columns) as c))
            using p_to_batch;
        get diagnostics v_result.rows_out = row_count;
        v_result.rows_in := v_result.rows_out;
        perform warehouse.create_indexes(v_indexes);
        return v_result;
    end if;

    -- the keys written here, for this run's quality tests (warehouse.changed_rows_predicate)
    if to_regclass(v_changed) is not null then
        execute format('drop table %s', v_changed);
    end if;
    execute format('create temporary table %I on commit drop as select %I from %I.%I with no data',
        'changed__' || p_model_name, v_key, v_model.target_schema, v_model.target_table);
    v_sql := format($q$
        with new_versions as (
            select distinct on (p.%1$I) p.*
            from %2$s as p
            where p._batch_id > $1 and p._batch_id <= $2
            order by p.%1$I, p._changed_at desc nulls last, p._batch_id desc, p._is_tombstone desc
        ),
        merged as (
            insert into %3$I.%4$I as s (%5$s, _changed_at, _batch_id, _dbt_loaded_at)
            select %6$s, v._changed_at, v._batch_id, now()
            from new_versions as v
            where not v._is_tombstone
            on conflict (%1$I) do update
            set %7$s,
                is_hard_deleted = false,
                hard_deleted_at = null,
                _changed_at = excluded._changed_at,
                _batch_id = excluded._batch_id,
                _dbt_loaded_at = excluded._dbt_loaded_at
            where s._changed_at is null or excluded._changed_at >= s._changed_at
            returning s.%1$I
        ),
        tombstoned as (
            update %3$I.%4$I as s
            set is_hard_deleted = true, hard_deleted_at = v._changed_at, _changed_at = v._changed_at,
                _batch_id = v._batch_id, _dbt_loaded_at = now()
            from new_versions as v
            where v._is_tombstone and s.%1$I = v.%1$I and (s._changed_at is null or v._changed_at >= s._changed_at)
            returning s.%1$I
        ),
        written as (
            insert into %8$s select m.%1$I from merged as m union all select t.%1$I from tombstoned as t
            returning 1
        )
        select (select count(*) from new_versions), (select count(*) from written)
        $q$,
        v_key,
        v_projection,
        v_model.target_schema,
        v_model.target_table,
        (select string_agg(format('%I', c), ', ') from unnest(v_columns) as c),
        (select string_agg(format('v.%I', c), ', ') from unnest(v_columns) as c),
        (select string_agg(format('%1$I = excluded.%1$I', c), ', ') from unnest(v_columns[2:]) as c),
        v_changed);
    execute v_sql into v_result.rows_in, v_result.rows_out using p_from_batch, p_to_batch;
    execute format('analyze %s', v_changed);
    return v_result;
end;
$$;

comment on function warehouse.merge_scd1(text, bigint, bigint) is
    'The staging materializer (SCD1): from the model''s projection view, the newest version per key in '
    'batches (p_from_batch, p_to_batch] is upserted unless staging holds a newer one; tombstones mark the key '
    'hard-deleted. rows_in: keys in the batches; rows_out: rows inserted, updated or tombstoned, whose keys it leaves '
    'in warehouse.changed_keys_table for the run''s quality tests. Into an empty table from batch 0 (a first load) it '
    'inserts the newest version of every key directly, and builds its key constraints and secondary indexes after.';

create function warehouse.recompute_keys(p_model_name text, p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_model warehouse.models;
    v_touched regprocedure;
    v_rows regprocedure;
    v_keys text;
    v_match text;
    v_removed bigint;
    v_inserted bigint;
    v_changed text := warehouse.changed_keys_table(p_model_name);
    v_unique text;
    v_indexes text[];
    v_result warehouse.refresh_result;
begin
    select * into strict v_model from warehouse.models where model_name = p_model_name;
    v_unique := (select string_agg(format('%I', k), ', ') from unnest(v_model.unique_key) as k);
    v_touched := (v_model.touched_function || '(bigint, bigint)')::regprocedure;
    v_rows := (v_model.transformation || '(bigint, bigint)')::regprocedure;

    -- A first load into an empty table (a backfill step): every key's rows, inserted as they come; no
    -- touched keys to collect or delete, and no changed keys (the backfill tests every row after).
    if p_from_batch = 0 and warehouse.table_is_empty(format('%I.%I', v_model.target_schema, v_model.target_table)::regclass) then
        v_indexes := warehouse.drop_bulk_load_indexes(format('%I.%I', v_model.target_schema, v_model.target_table)::regclass);
        execute format('insert into %I.%I select * from %s($1, $2)', v_model.target_schema, v_model.target_table, v_rows::regproc)
            using p_from_batch, p_to_batch;
        get diagnostics v_result.rows_out = row_count;
        perform warehouse.create_indexes(v_indexes);
        v_result.rows_in := null;
        return v_result;
    end if;
    v_keys := (select string_agg(format('%I', k), ', ') from unnest(v_model.recompute_key) as k);
    v_match := (select string_agg(format('m.%1$I = t.%1$I', k), ' and ') from unnest(v_model.recompute_key) as k);

    -- The keys first, with statistics, so that the recomputation is planned for their number.
    if to_regclass('pg_temp.recompute_touched') is not null then
        drop table pg_temp.recompute_touched;
    end if;
    execute format('create temporary table recompute_touched on commit drop as select distinct %s from %s($1, $2) as t',
        v_keys, v_touched::regproc) using p_from_batch, p_to_batch;
    get diagnostics v_result.rows_in = row_count;
    analyze pg_temp.recompute_touched;

    -- The new rows before the old go: a touched or rows function may read the model's own table.
    if to_regclass('pg_temp.recompute_rows') is not null then
        drop table pg_temp.recompute_rows;
    end if;
    execute format('create temporary table recompute_rows on commit drop as select * from %s($1, $2)', v_rows::regproc)
        using p_from_batch, p_to_batch;
    -- rows_out counts the rows written and the rows that left (deleted with no recomputed row of their
    -- key), as an upsert would: a row deleted and inserted again counts once.
    -- The unique keys removed and written, for this run's quality tests (warehouse.changed_rows_predicate).
    if to_regclass(v_changed) is not null then
        execute format('drop table %s', v_changed);
    end if;
    execute format('create temporary table %I on commit drop as select %s from %I.%I with no data',
        'changed__' || p_model_name, v_unique, v_model.target_schema, v_model.target_table);
    execute format($q$
        with deleted as (
            delete from %1$I.%2$I as m using pg_temp.recompute_touched as t where %3$s returning %4$s
        ),
        noted as (
            insert into %6$s select * from deleted
        )
        select count(*) from deleted as d where not exists (select 1 from pg_temp.recompute_rows as r where %5$s)
        $q$,
        v_model.target_schema, v_model.target_table, v_match,
        (select string_agg(format('m.%I', k), ', ') from unnest(v_model.unique_key) as k),
        -- = (not IS NOT DISTINCT FROM): a unique key's columns are never NULL, and = lets the join hash
        (select string_agg(format('r.%1$I = d.%1$I', k), ' and ') from unnest(v_model.unique_key) as k),
        v_changed)
        into v_removed;
    execute format('insert into %I.%I select * from pg_temp.recompute_rows', v_model.target_schema, v_model.target_table);
    get diagnostics v_inserted = row_count;
    execute format('insert into %s select %s from pg_temp.recompute_rows', v_changed, v_unique);
    execute format('analyze %s', v_changed);
    v_result.rows_out := v_inserted + v_removed;
    return v_result;
end;
$$;

comment on function warehouse.recompute_keys(text, bigint, bigint) is
    'The marts materializer: the rows of the keys the model''s touched function returns for batches (p_from_batch, '
    'p_to_batch] are deleted from its table and recomputed by its rows function. rows_in: keys touched; '
    'rows_out: rows written plus rows that left the table (as an upsert counts them). The unique keys of both are left '
    'in warehouse.changed_keys_table for the run''s quality tests. Into an empty table from batch 0 (a first load) it '
    'inserts the rows function''s rows directly (rows_in NULL: no touched keys collected), and builds its key '
    'constraints and secondary indexes after.';

create function warehouse.materialize(p_model_name text, p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_model warehouse.models;
    v_result warehouse.refresh_result;
begin
    select * into strict v_model from warehouse.models where model_name = p_model_name;
    if v_model.materialization = 'merge_scd1' then
        v_result := warehouse.merge_scd1(p_model_name, p_from_batch, p_to_batch);
    else
        v_result := warehouse.recompute_keys(p_model_name, p_from_batch, p_to_batch);
    end if;
    if v_model.post_hook is not null then
        execute format('select %s($1, $2)', (v_model.post_hook || '(bigint, bigint)')::regprocedure::regproc)
            using p_from_batch, p_to_batch;
    end if;
    -- Statistics now, inside the run's transaction (ANALYZE sees its uncommitted rows), when the run
    -- changed a tenth of the table or more (a first load, a busy day): the models downstream are planned
    -- against this table as it is. A quiet day's few rows do not move the statistics (autovacuum's
    -- analyze keeps them current), and an ANALYZE of a large table costs seconds.
    if coalesce(v_result.rows_out, 0) > 0
       and v_result.rows_out >= 0.1 * warehouse.estimated_rows(format('%I.%I', v_model.target_schema, v_model.target_table)::regclass) then
        execute format('analyze %I.%I', v_model.target_schema, v_model.target_table);
    end if;
    return v_result;
end;
$$;

comment on function warehouse.materialize(text, bigint, bigint) is
    'Applies batches (p_from_batch, p_to_batch] to a model with its materializer (warehouse.models.materialization), '
    'then its post_hook if it has one, then analyzes its table for the models downstream when the batches changed a '
    'tenth of it or more.';

create function warehouse.comment_projection(p_projection regclass, p_model regclass)
returns integer
language plpgsql
set search_path = ''
as $$
declare
    v_column record;
    v_count integer := 0;
begin
    for v_column in
        select a.attname::text as name,
               case a.attname
                   when '_batch_id' then 'The extraction batch that wrote this raw version.'
                   when '_changed_at' then 'Change time of this raw version; the newest per key wins.'
                   when '_is_tombstone' then 'This raw version records a hard delete in the source.'
                   else col_description(p_model, m.attnum)
               end as comment
        from pg_catalog.pg_attribute as a
        left join pg_catalog.pg_attribute as m on m.attrelid = p_model and m.attname = a.attname and not m.attisdropped
        where a.attrelid = p_projection and a.attnum > 0 and not a.attisdropped
    loop
        execute format('comment on column %s.%I is %L', p_projection, v_column.name, v_column.comment);
        v_count := v_count + 1;
    end loop;
    return v_count;
end;
$$;

comment on function warehouse.comment_projection(regclass, regclass) is
    'Gives a staging model''s projection view the column comments of the model''s table (each view column is the '
    'table column of the same name), and the batch metadata columns theirs. Every staging model file calls it.';
