-- Privacy and access: the seed's first principle, enforced by the database.
--
--   analyst_role         marts only; row-level security hides users who opted out of analytics
--   data_engineer_role   reads every layer, for debugging (not the PII salt)
--   warehouse_pipeline   the pipeline's own least-privilege role: may insert into raw, never change it
--   metabase login       created by `npm run metabase:login` (password from the environment), a member of analyst_role
--
-- Marts that could be published outside the team suppress groups smaller than k. One procedure,
-- warehouse.forget_user, erases a user from raw, staging and marts and keeps a PII-free record.

-- Row-level security on every mart
create function warehouse.enable_mart_rls(p_table_name text)
returns void
language plpgsql
set search_path = ''
as $$
begin
    execute format('alter table marts.%I enable row level security', p_table_name);
    execute format('drop policy if exists "Analysts see hashed PII only" on marts.%I', p_table_name);
    execute format(
        'create policy "Analysts see hashed PII only" on marts.%I for select to analyst_role '
        'using ((select marts.is_published()) and not analytics_opt_out)',
        p_table_name);
    execute format('drop policy if exists "Data engineers full access" on marts.%I', p_table_name);
    execute format(
        'create policy "Data engineers full access" on marts.%I for select to data_engineer_role using (true)', p_table_name);
    execute format('drop policy if exists "Pipeline maintains marts" on marts.%I', p_table_name);
    execute format(
        'create policy "Pipeline maintains marts" on marts.%I for all to warehouse_pipeline using (true) with check (true)',
        p_table_name);
end;
$$;

comment on function warehouse.enable_mart_rls(text) is
    'Row-level security for a mart, as the seed sketches it: analysts see every row except those of users who opted out '
    'of analytics (columns hold no PII), and nothing while a first load or full refresh is unfinished '
    '(marts.is_published, evaluated once per query); data engineers see all rows; the pipeline maintains them. Every '
    'mart has an analytics_opt_out column for this.';

-- Row-level security on every pre-aggregated mart: it has no user rows, and its rows function counts only
-- users who did not opt out of analytics, so analysts may read every row of it.
create function warehouse.enable_aggregate_rls(p_table_name text)
returns void
language plpgsql
set search_path = ''
as $$
begin
    execute format('alter table marts.%I enable row level security', p_table_name);
    execute format('drop policy if exists "Analysts see counts of users who did not opt out" on marts.%I', p_table_name);
    execute format(
        'create policy "Analysts see counts of users who did not opt out" on marts.%I for select to analyst_role '
        'using ((select marts.is_published()))',
        p_table_name);
    execute format('drop policy if exists "Data engineers full access" on marts.%I', p_table_name);
    execute format(
        'create policy "Data engineers full access" on marts.%I for select to data_engineer_role using (true)', p_table_name);
    execute format('drop policy if exists "Pipeline maintains marts" on marts.%I', p_table_name);
    execute format(
        'create policy "Pipeline maintains marts" on marts.%I for all to warehouse_pipeline using (true) with check (true)',
        p_table_name);
end;
$$;

comment on function warehouse.enable_aggregate_rls(text) is
    'Row-level security for a pre-aggregated mart (no user rows, no analytics_opt_out column): its rows function counts '
    'only users who did not opt out of analytics, so analysts see every row (once published: marts.is_published), '
    'data engineers and the pipeline too; nobody else any. Every aggregate mart calls it instead of '
    'warehouse.enable_mart_rls.';

-- Small groups: marts that could be published outside the team
insert into warehouse.metric_definitions (metric_name, value, description)
values ('k_anonymity_min_group', 5, 'Published aggregates suppress any group with fewer people than this (k-anonymity).');

create function marts.k_anonymity_min_group()
returns integer
language sql
stable
security definer
set search_path = ''
as $$
    select warehouse.metric('k_anonymity_min_group')::integer
$$;

comment on function marts.k_anonymity_min_group() is
    'The smallest group a published aggregate may show (warehouse.metric_definitions.k_anonymity_min_group, default 5).';

grant execute on function marts.k_anonymity_min_group() to analyst_role, data_engineer_role;

-- Right to erasure
create table warehouse.user_keyed_tables (
    table_schema text not null,
    table_name text not null,
    user_predicate text not null,
    erase_order integer not null default 100,
    primary key (table_schema, table_name)
);

comment on table warehouse.user_keyed_tables is
    'Every warehouse table that holds rows of an app user, with the column naming the user; one row per table. '
    'warehouse.forget_user deletes from each. A new model with user rows must be registered here.';
comment on column warehouse.user_keyed_tables.table_schema is 'Schema (raw, staging or marts).';
comment on column warehouse.user_keyed_tables.table_name is 'The table.';
comment on column warehouse.user_keyed_tables.user_predicate is
    'SQL predicate over the table selecting the user''s rows, with $1 the user id: user_id = $1, or through another '
    'table (pet_id in (select id from raw.raw_supabase_pets where owner_user_id = $1)).';
comment on column warehouse.user_keyed_tables.erase_order is 'Lower erases first: rows found through another table go before that table''s rows.';

create function warehouse.user_row_counts(p_user_id uuid)
returns table (table_name text, row_count bigint)
language plpgsql
stable
set search_path = ''
as $$
declare
    v_table record;
begin
    for v_table in
        select t.table_schema, t.table_name, t.user_predicate from warehouse.user_keyed_tables as t
        order by t.erase_order, array_position(array['marts', 'staging', 'raw'], t.table_schema), t.table_name
    loop
        table_name := v_table.table_schema || '.' || v_table.table_name;
        execute format('select count(*) from %I.%I where %s', v_table.table_schema, v_table.table_name, v_table.user_predicate)
            into row_count using p_user_id;
        return next;
    end loop;
end;
$$;

comment on function warehouse.user_row_counts(uuid) is
    'How many rows of a user each table of warehouse.user_keyed_tables holds: what forget_user would delete.';

create function warehouse.aggregate_models()
returns table (model_name text)
language sql
stable
set search_path = ''
as $$
    select o.model_name
    from warehouse.model_order() as o
    join warehouse.models as m on m.model_name = o.model_name
    where m.layer = 'marts'
      and not exists (
          select 1 from pg_catalog.pg_attribute as a
          where a.attrelid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', m.target_schema, m.target_table))
            and a.attname = 'analytics_opt_out' and not a.attisdropped)
    order by o.depth, o.model_name
$$;

comment on function warehouse.aggregate_models() is
    'The pre-aggregated marts (marts/<domain>/aggregates/), in run order: the mart models whose table has no '
    'analytics_opt_out column (no user rows; warehouse.enable_aggregate_rls).';

create function warehouse.recount_aggregates_without(p_user_id uuid)
returns integer
language plpgsql
set search_path = ''
as $$
declare
    v_table record;
    v_model text;
    v_count integer := 0;
begin
    for v_table in
        select t.table_schema, t.table_name, t.user_predicate
        from warehouse.user_keyed_tables as t
        where t.table_schema = 'marts'
          and exists (
              select 1 from pg_catalog.pg_attribute as a
              where a.attrelid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', t.table_schema, t.table_name))
                and a.attname = 'analytics_opt_out' and not a.attisdropped)
    loop
        execute format('update %I.%I set analytics_opt_out = true where %s', v_table.table_schema, v_table.table_name, v_table.user_predicate)
            using p_user_id;
    end loop;
    if to_regclass('marts.marts_core_dim_users') is not null then
        update marts.marts_core_dim_users set _opt_out_batch_id = 0 where user_id = p_user_id;
    end if;
    for v_model in select a.model_name from warehouse.aggregate_models() as a loop
        perform warehouse.materialize(v_model, -1, 0);
        v_count := v_count + 1;
    end loop;
    return v_count;
end;
$$;

comment on function warehouse.recount_aggregates_without(uuid) is
    'For forget_user, before it deletes: marks the user''s mart rows opted out, names the user to marts.kpi_recounted_users '
    '(_opt_out_batch_id 0 in the dimension, batches (-1, 0]) and recomputes, with each pre-aggregated mart''s own '
    'materializer, the keys the user counted in. Returns the number of aggregates recomputed.';

revoke all on function warehouse.recount_aggregates_without(uuid) from warehouse_pipeline, data_engineer_role;

create function warehouse.forget_user(p_user_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
    v_table record;
    v_deleted bigint;
    v_counts jsonb := '{}';
    v_hash varchar(64);
    v_erasure_id bigint;
begin
    if p_user_id is null then
        raise exception 'forget_user needs a user id';
    end if;
    perform warehouse.ensure_pii_salt();
    v_hash := warehouse.salted_sha256(p_user_id::text, warehouse.pii_salt());

    -- The pre-aggregated marts first, while the user's rows are still there to say where they count: the
    -- user's mart rows are marked opted out, the dimension names them to marts.kpi_recounted_users with
    -- the batch 0 (which no extraction batch is), and each aggregate recomputes the keys that user counts
    -- in, from facts that no longer count them.
    perform warehouse.recount_aggregates_without(p_user_id);

    -- The one sanctioned exception to raw's append-only rule, for this transaction only.
    perform set_config('warehouse.raw_write', 'erasure', true);
    for v_table in
        select t.table_schema, t.table_name, t.user_predicate
        from warehouse.user_keyed_tables as t
        order by t.erase_order, array_position(array['marts', 'staging', 'raw'], t.table_schema), t.table_name
    loop
        execute format('delete from %I.%I where %s', v_table.table_schema, v_table.table_name, v_table.user_predicate)
            using p_user_id;
        get diagnostics v_deleted = row_count;
        v_counts := v_counts || jsonb_build_object(v_table.table_schema || '.' || v_table.table_name, v_deleted);
    end loop;
    perform set_config('warehouse.raw_write', '', true);

    -- The pipeline's own records name users only as sample keys and captured deletions.
    delete from warehouse.source_deletions where key_value = p_user_id::text;
    update warehouse.quality_test_results
    set sample_keys = array_remove(sample_keys, p_user_id::text)
    where p_user_id::text = any (sample_keys);

    insert into warehouse.erased_users as e (user_key_hash, rows_deleted)
    values (v_hash, v_counts)
    on conflict (user_key_hash) do update
    set erased_at = now(), erased_by = current_user,
        rows_deleted = (
            select jsonb_object_agg(k, coalesce((e.rows_deleted ->> k)::bigint, 0) + coalesce((excluded.rows_deleted ->> k)::bigint, 0))
            from jsonb_object_keys(e.rows_deleted || excluded.rows_deleted) as k
        )
    returning erasure_id into v_erasure_id;

    return jsonb_build_object('erasure_id', v_erasure_id, 'rows_deleted', v_counts);
end;
$$;

comment on function warehouse.forget_user(uuid) is
    'Right to erasure: recounts the pre-aggregated marts without the user (warehouse.recount_aggregates_without), then '
    'deletes every row of the user in raw, staging and marts (warehouse.user_keyed_tables; the only '
    'sanctioned change to raw), scrubs the id from sample keys and captured deletions, and records the erasure '
    '(salted hash of the id, time, rows per table) in warehouse.erased_users, so extraction never brings the user back. '
    'Returns the erasure id and the rows deleted per table. Idempotent.';

revoke all on function warehouse.forget_user(uuid) from warehouse_pipeline, data_engineer_role;
