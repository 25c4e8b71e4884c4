-- Baseline: the whole warehouse, generated from the source tree (supabase/schemas, in the order of
-- schema_paths in supabase/config.toml) by `npm run db:baseline`. Do not edit: change the tree, then
-- `npm run db:migration -- <name>`. BEGIN ATOMIC functions run from DO blocks (scripts/lib/cli-safe-sql.ts).

-- ===============================================================================================
-- supabase/schemas/engine/schemas.sql
-- ===============================================================================================

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

-- ===============================================================================================
-- supabase/schemas/engine/roles.sql
-- ===============================================================================================

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

-- ===============================================================================================
-- supabase/schemas/engine/raw_layer.sql
-- ===============================================================================================

-- Raw layer: append-only, monthly-partitioned copies of operational rows, exactly as extracted.
--
-- Every raw table starts with the same metadata (extraction time and date, source system, batch,
-- the source's change time, tombstone flag, content hash), then the source's columns, then the
-- seed's _extracted_at. Rows are never updated or deleted: a row-level trigger refuses it, and no
-- role is granted UPDATE, DELETE or TRUNCATE. The sanctioned exceptions (erasure, retention, moving
-- rows out of the DEFAULT partition) say so with `set local warehouse.raw_write = '<reason>'`.

-- Partition configuration
create table warehouse.partitioned_tables (
    table_schema text not null,
    table_name text not null,
    partition_column text not null,
    months_ahead integer not null default 3 check (months_ahead between 0 and 24),
    created_at timestamptz not null default now(),
    primary key (table_schema, table_name)
);

comment on table warehouse.partitioned_tables is
    'Configuration of monthly range-partitioned warehouse tables; one row per partitioned parent table.';
comment on column warehouse.partitioned_tables.table_schema is 'Schema of the partitioned parent table.';
comment on column warehouse.partitioned_tables.table_name is 'Name of the partitioned parent table; partitions are <name>_YYYY_MM and <name>_default.';
comment on column warehouse.partitioned_tables.partition_column is 'The date column the table is range-partitioned on.';
comment on column warehouse.partitioned_tables.months_ahead is 'How many months after the current one ensure_partitions keeps ready.';
comment on column warehouse.partitioned_tables.created_at is 'When the table was registered.';

-- Append-only guard
create function warehouse.raw_write_reason()
returns text
language sql
stable
set search_path = ''
as $$
    select nullif(current_setting('warehouse.raw_write', true), '')
$$;

comment on function warehouse.raw_write_reason() is
    'The sanctioned reason for changing raw rows in this transaction (erasure, retention, partition_move), or NULL.';

create function warehouse.refuse_raw_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if warehouse.raw_write_reason() in ('erasure', 'retention', 'partition_move') then
        return case when tg_op = 'DELETE' then old else new end;
    end if;
    raise exception 'raw layer is append-only: % on %.% is refused', tg_op, tg_table_schema, tg_table_name
        using errcode = 'insufficient_privilege',
              hint = 'Only warehouse.forget_user (erasure), retention and partition upkeep may change raw rows.';
end;
$$;

comment on function warehouse.refuse_raw_change() is
    'Trigger: refuses UPDATE, DELETE and TRUNCATE on raw tables unless a sanctioned procedure set warehouse.raw_write.';

create function warehouse.prepare_raw_table(p_table_name text)
returns void
language plpgsql
set search_path = ''
as $$
begin
    execute format($c$comment on column raw.%I.extracted_at is 'When the extraction batch that wrote this row started (UTC).'$c$, p_table_name);
    execute format($c$comment on column raw.%I.extracted_date is 'UTC date of extracted_at; the monthly partition key.'$c$, p_table_name);
    execute format($c$comment on column raw.%I.source_system is 'The system the row came from (supabase).'$c$, p_table_name);
    execute format($c$comment on column raw.%I.batch_id is 'The extraction batch (warehouse.extract_batches) that wrote this row.'$c$, p_table_name);
    execute format($c$comment on column raw.%I.changed_at is 'Value of the source''s change-tracking column for this version; deletion time for tombstones.'$c$, p_table_name);
    execute format($c$comment on column raw.%I.is_tombstone is 'True when the row records a hard delete in the source: only the key and changed_at are set.'$c$, p_table_name);
    execute format($c$comment on column raw.%I.row_hash is 'MD5 of the extracted content; the same key and hash means a version already in raw.'$c$, p_table_name);
    execute format($c$comment on column raw.%I._extracted_at is 'When this row was written (seed metadata column).'$c$, p_table_name);
    execute format('create index on raw.%I (id, row_hash)', p_table_name);
    execute format('create index on raw.%I using brin (batch_id)', p_table_name);
    execute format(
        'create trigger raw_append_only before update or delete on raw.%I
            for each row execute function warehouse.refuse_raw_change()', p_table_name);
    execute format(
        'create trigger raw_append_only_truncate before truncate on raw.%I
            for each statement execute function warehouse.refuse_raw_change()', p_table_name);
    execute format('create table raw.%I partition of raw.%I default', p_table_name || '_default', p_table_name);
    execute format(
        'create trigger raw_append_only_truncate before truncate on raw.%I
            for each statement execute function warehouse.refuse_raw_change()', p_table_name || '_default');
    execute format(
        $c$comment on table raw.%I is 'DEFAULT partition of raw.%I: rows whose month had no partition yet. ensure_partitions moves them out.'$c$,
        p_table_name || '_default', p_table_name);
    insert into warehouse.partitioned_tables (table_schema, table_name, partition_column)
    values ('raw', p_table_name, 'extracted_date');
end;
$$;

comment on function warehouse.prepare_raw_table(text) is
    'Makes a new raw table (created with the shared metadata columns, partitioned by extracted_date) a raw table like '
    'the others: metadata comments, dedup and batch indexes, append-only triggers, DEFAULT partition, partition upkeep. '
    'Call warehouse.ensure_partitions() after it.';

-- Partition upkeep
create function warehouse.partition_name(p_table_name text, p_month date)
returns text
language sql
immutable
set search_path = ''
as $$
    select p_table_name || '_' || to_char(p_month, 'YYYY_MM')
$$;

comment on function warehouse.partition_name(text, date) is
    'The name of a table''s monthly partition, as the seed names them: raw_supabase_users_2026_01.';

create function warehouse.create_month_partition(
    p_schema text,
    p_table text,
    p_column text,
    p_month date
)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
    v_partition text := warehouse.partition_name(p_table, p_month);
    v_from date := date_trunc('month', p_month)::date;
    v_to date := (date_trunc('month', p_month) + interval '1 month')::date;
    v_default text := p_table || '_default';
    v_moved bigint := 0;
begin
    execute format('create table %I.%I (like %I.%I including defaults including constraints)',
        p_schema, v_partition, p_schema, p_table);
    -- Rows of this month that landed in DEFAULT move into the new partition before it is attached.
    if to_regclass(format('%I.%I', p_schema, v_default)) is not null then
        perform set_config('warehouse.raw_write', 'partition_move', true);
        execute format(
            'with moved as (delete from %I.%I where %I >= %L and %I < %L returning *)
             insert into %I.%I select * from moved',
            p_schema, v_default, p_column, v_from, p_column, v_to, p_schema, v_partition);
        get diagnostics v_moved = row_count;
        perform set_config('warehouse.raw_write', '', true);
    end if;
    execute format('alter table %I.%I attach partition %I.%I for values from (%L) to (%L)',
        p_schema, p_table, p_schema, v_partition, v_from, v_to);
    execute format(
        'create trigger raw_append_only_truncate before truncate on %I.%I
            for each statement execute function warehouse.refuse_raw_change()', p_schema, v_partition);
    execute format($c$comment on table %I.%I is %L$c$, p_schema, v_partition,
        format('Partition of %s.%s for %s (extracted_date in [%s, %s)).', p_schema, p_table, to_char(v_from, 'YYYY-MM'), v_from, v_to));
    return v_moved;
end;
$$;

comment on function warehouse.create_month_partition(text, text, text, date) is
    'Creates the monthly partition of a table for the month of p_month, first moving any of that month''s rows out of '
    'the DEFAULT partition into it. Returns the number of rows moved.';

create function warehouse.ensure_partitions(
    p_months_ahead integer default null,
    p_as_of date default current_date
)
returns table (parent_table text, partition_table text, rows_moved bigint)
language plpgsql
set search_path = ''
as $$
declare
    v_config record;
    v_month date;
begin
    for v_config in
        select t.table_schema, t.table_name, t.partition_column, coalesce(p_months_ahead, t.months_ahead) as months_ahead
        from warehouse.partitioned_tables as t
        order by t.table_schema, t.table_name
    loop
        for v_month in
            -- the current month, the next months_ahead months, and every month that has rows in DEFAULT
            select generate_series(
                date_trunc('month', p_as_of)::date,
                (date_trunc('month', p_as_of) + make_interval(months => v_config.months_ahead))::date,
                interval '1 month'
            )::date
            union
            select m from warehouse.default_partition_months(v_config.table_schema, v_config.table_name, v_config.partition_column) as m
            order by 1
        loop
            if to_regclass(format('%I.%I', v_config.table_schema, warehouse.partition_name(v_config.table_name, v_month))) is null then
                parent_table := v_config.table_schema || '.' || v_config.table_name;
                partition_table := warehouse.partition_name(v_config.table_name, v_month);
                rows_moved := warehouse.create_month_partition(
                    v_config.table_schema, v_config.table_name, v_config.partition_column, v_month);
                return next;
            end if;
        end loop;
    end loop;
end;
$$;

comment on function warehouse.ensure_partitions(integer, date) is
    'Partition upkeep for every table in warehouse.partitioned_tables: creates the partitions of the current month and '
    'the next N months (N = p_months_ahead, else the table''s months_ahead, default 3) and of every month that has rows '
    'in DEFAULT, moving those rows into their new partition. Idempotent. Returns one row per partition created.';

create function warehouse.default_partition_months(p_schema text, p_table text, p_column text)
returns setof date
language plpgsql
stable
set search_path = ''
as $$
begin
    if to_regclass(format('%I.%I', p_schema, p_table || '_default')) is null then
        return;
    end if;
    return query execute format('select distinct date_trunc(''month'', %I)::date from %I.%I',
        p_column, p_schema, p_table || '_default');
end;
$$;

comment on function warehouse.default_partition_months(text, text, text) is
    'The months that have rows in a table''s DEFAULT partition (rows that arrived before their partition existed).';

create function warehouse.default_partition_rows()
returns table (parent_table text, row_count bigint)
language plpgsql
stable
set search_path = ''
as $$
declare
    v_config record;
begin
    for v_config in select t.table_schema, t.table_name from warehouse.partitioned_tables as t order by 1, 2 loop
        if to_regclass(format('%I.%I', v_config.table_schema, v_config.table_name || '_default')) is not null then
            parent_table := v_config.table_schema || '.' || v_config.table_name;
            execute format('select count(*) from %I.%I', v_config.table_schema, v_config.table_name || '_default')
                into row_count;
            return next;
        end if;
    end loop;
end;
$$;

comment on function warehouse.default_partition_rows() is
    'How many rows sit in each DEFAULT partition: kept, never lost, and reported until ensure_partitions moves them.';

-- ===============================================================================================
-- supabase/schemas/engine/extraction.sql
-- ===============================================================================================

-- Extraction: a registry of sources and one function that copies what changed in any of them into raw.
--
-- Adding a source is a row in warehouse.sources, its columns in warehouse.source_columns, and its raw
-- table: no new code. Each extraction reads the rows whose change-tracking column is at or after the
-- source's watermark minus an overlap, and skips versions raw already has (same key, same content
-- hash). The watermark never passes the start of a transaction that was still open when the
-- extraction looked, so a change committed late (its updated_at older than the last extraction) is
-- still read next time. Hard deletes are captured by a statement-level trigger on the source into
-- warehouse.source_deletions and land in raw as tombstones.
create table warehouse.sources (
    source_name text primary key check (source_name ~ '^[a-z][a-z0-9_]*$'),
    source_system varchar(50) not null default 'supabase',
    source_schema text not null,
    source_table text not null,
    primary_key_column text not null,
    change_column text not null,
    raw_schema text not null default 'raw',
    raw_table text not null,
    user_key_expression text,
    overlap interval not null default interval '10 minutes' check (overlap >= interval '0'),
    is_enabled boolean not null default true,
    watermark timestamptz,
    last_batch_id bigint,
    created_at timestamptz not null default now(),
    unique (source_schema, source_table),
    unique (raw_schema, raw_table)
);

comment on table warehouse.sources is
    'Registry of operational sources the warehouse extracts; one row per source table.';
comment on column warehouse.sources.source_name is 'Short name, <system>_<table> (supabase_users).';
comment on column warehouse.sources.source_system is 'The system the source lives in; copied into raw.source_system.';
comment on column warehouse.sources.source_schema is 'Schema of the operational table.';
comment on column warehouse.sources.source_table is 'The operational table.';
comment on column warehouse.sources.primary_key_column is 'The source''s single-column primary key; raw keeps it as id.';
comment on column warehouse.sources.change_column is 'Change-tracking column (updated_at, or created_at for insert-only tables).';
comment on column warehouse.sources.raw_schema is 'Schema of the raw table the source lands in.';
comment on column warehouse.sources.raw_table is 'The raw table the source lands in.';
comment on column warehouse.sources.user_key_expression is
    'SQL over the source row s giving the app user the row belongs to (s.id for users, s.user_id for sessions, a lookup '
    'through the pet for a pet''s health events): rows of an erased user are never extracted again. NULL: no user.';
comment on column warehouse.sources.overlap is 'Extra look-back before the watermark, for clock skew and timestamps set by the app.';
comment on column warehouse.sources.is_enabled is 'Whether extract_sources extracts this source.';
comment on column warehouse.sources.watermark is
    'The next extraction reads rows with change_column >= watermark - overlap. NULL: never extracted (full load).';
comment on column warehouse.sources.last_batch_id is 'The last successful extraction batch of this source.';
comment on column warehouse.sources.created_at is 'When the source was registered.';

create table warehouse.source_columns (
    source_name text not null references warehouse.sources (source_name) on delete cascade,
    column_name text not null,
    source_type text not null,
    raw_column text,
    extract_expression text,
    primary key (source_name, column_name)
);

comment on table warehouse.source_columns is
    'The expected columns of each source (one row per source column). A column the source has and this table lacks, or '
    'the reverse, or a changed type, is schema drift and fails that source''s extraction.';
comment on column warehouse.source_columns.source_name is 'The source.';
comment on column warehouse.source_columns.column_name is 'Column of the operational table.';
comment on column warehouse.source_columns.source_type is 'Its expected type, as format_type prints it.';
comment on column warehouse.source_columns.raw_column is 'The raw column it lands in; NULL: known but deliberately not extracted.';
comment on column warehouse.source_columns.extract_expression is
    'SQL over the source row s that computes raw_column; NULL means s.<column_name> as it is.';

create table warehouse.source_deletions (
    deletion_id bigint generated always as identity primary key,
    source_name text not null references warehouse.sources (source_name) on delete cascade,
    key_value text not null,
    deleted_at timestamptz not null default now()
);

create index source_deletions_source_deleted_at_idx on warehouse.source_deletions (source_name, deleted_at);

comment on table warehouse.source_deletions is
    'Hard deletes captured in the sources by trigger, one row per deleted source row; extraction turns them into raw tombstones.';
comment on column warehouse.source_deletions.deletion_id is 'Surrogate key.';
comment on column warehouse.source_deletions.source_name is 'The source the row was deleted from.';
comment on column warehouse.source_deletions.key_value is 'The deleted row''s primary key, as text.';
comment on column warehouse.source_deletions.deleted_at is 'Start of the deleting transaction (now()).';

create table warehouse.erased_users (
    erasure_id bigint generated always as identity primary key,
    user_key_hash varchar(64) not null unique,
    erased_at timestamptz not null default now(),
    erased_by text not null default current_user,
    rows_deleted jsonb not null default '{}'
);

comment on table warehouse.erased_users is
    'Right to erasure: one PII-free record per forgotten user (warehouse.forget_user). Extraction skips their rows for good.';
comment on column warehouse.erased_users.erasure_id is 'Surrogate key.';
comment on column warehouse.erased_users.user_key_hash is 'SHA-256(PII salt || user id): recognises the user''s rows without keeping the id.';
comment on column warehouse.erased_users.erased_at is 'When the user was forgotten.';
comment on column warehouse.erased_users.erased_by is 'The database role that ran the erasure.';
comment on column warehouse.erased_users.rows_deleted is 'Rows removed per table ({"raw.raw_supabase_users": 3, ...}).';

create table warehouse.extract_batches (
    batch_id bigint generated always as identity primary key,
    source_name text not null references warehouse.sources (source_name),
    run_id bigint,
    status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
    started_at timestamptz not null default clock_timestamp(),
    finished_at timestamptz,
    lower_bound timestamptz,
    next_watermark timestamptz,
    rows_read bigint,
    rows_inserted bigint,
    tombstones_inserted bigint,
    error text,
    check (status = 'running' or finished_at is not null)
);

create index extract_batches_source_idx on warehouse.extract_batches (source_name, batch_id);

comment on table warehouse.extract_batches is 'One row per extraction of one source (a batch); raw rows carry its batch_id.';
comment on column warehouse.extract_batches.batch_id is 'Batch id, increasing in commit order (extractions never overlap).';
comment on column warehouse.extract_batches.source_name is 'The source extracted.';
comment on column warehouse.extract_batches.run_id is 'The pipeline run that did it, if any.';
comment on column warehouse.extract_batches.status is 'running, succeeded or failed.';
comment on column warehouse.extract_batches.started_at is 'Start of the batch.';
comment on column warehouse.extract_batches.finished_at is 'End of the batch.';
comment on column warehouse.extract_batches.lower_bound is 'Rows with change_column >= lower_bound were read.';
comment on column warehouse.extract_batches.next_watermark is 'The watermark the batch left for the next one.';
comment on column warehouse.extract_batches.rows_read is 'Source rows read in the window.';
comment on column warehouse.extract_batches.rows_inserted is 'New versions written to raw (rows read minus versions raw already had).';
comment on column warehouse.extract_batches.tombstones_inserted is 'Hard deletes written to raw as tombstones.';
comment on column warehouse.extract_batches.error is 'Why a failed batch failed; nothing of it was written to raw.';

-- Hard-delete capture
create function warehouse.capture_source_deletions()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    insert into warehouse.source_deletions (source_name, key_value)
    select tg_argv[0], to_jsonb(o.*) ->> tg_argv[1]
    from old_rows as o;
    return null;
end;
$$;

comment on function warehouse.capture_source_deletions() is
    'Statement-level AFTER DELETE trigger on a source table: records the deleted keys in warehouse.source_deletions. '
    'Arguments: source name, primary key column.';

create function warehouse.install_delete_capture(p_source_name text)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
    v_source warehouse.sources;
begin
    select * into strict v_source from warehouse.sources where source_name = p_source_name;
    if to_regclass(format('%I.%I', v_source.source_schema, v_source.source_table)) is null then
        raise notice 'source table %.% does not exist yet: delete capture not installed', v_source.source_schema, v_source.source_table;
        return false;
    end if;
    execute format(
        'create or replace trigger warehouse_capture_deletions
            after delete on %I.%I
            referencing old table as old_rows
            for each statement execute function warehouse.capture_source_deletions(%L, %L)',
        v_source.source_schema, v_source.source_table, v_source.source_name, v_source.primary_key_column);
    return true;
end;
$$;

comment on function warehouse.install_delete_capture(text) is
    'Installs (or replaces) the hard-delete capture trigger on a source table; false when the table does not exist.';

create function warehouse.has_delete_capture(p_source_name text)
returns boolean
language sql
stable
set search_path = ''
as $$
    select exists (
        select 1
        from warehouse.sources as s
        join pg_catalog.pg_trigger as t
            on t.tgrelid = to_regclass(format('%I.%I', s.source_schema, s.source_table))
           and t.tgname = 'warehouse_capture_deletions'
        where s.source_name = p_source_name
    )
$$;

comment on function warehouse.has_delete_capture(text) is 'Whether a source table has its hard-delete capture trigger.';

create function warehouse.prepare_source(p_source_name text)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
    v_source warehouse.sources;
begin
    select * into strict v_source from warehouse.sources where source_name = p_source_name;
    -- Production has the source tables already; locally they are loaded before the warehouse.
    if not warehouse.install_delete_capture(p_source_name) then
        return false;
    end if;
    execute format('grant select on %I.%I to warehouse_pipeline', v_source.source_schema, v_source.source_table);
    return true;
end;
$$;

comment on function warehouse.prepare_source(text) is
    'Makes a registered source extractable: its hard-delete capture trigger, and SELECT on it for warehouse_pipeline. '
    'Every raw model file calls it after registering its source; false when the source table does not exist yet.';

-- Schema drift
create function warehouse.check_source_schema(p_source_name text)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
    v_source warehouse.sources;
    v_drift record;
begin
    select * into strict v_source from warehouse.sources where source_name = p_source_name;
    if to_regclass(format('%I.%I', v_source.source_schema, v_source.source_table)) is null then
        raise exception 'source table %.% of source % does not exist', v_source.source_schema, v_source.source_table, p_source_name;
    end if;
    for v_drift in
        with actual as (
            select a.attname::text as column_name, format_type(a.atttypid, a.atttypmod) as source_type
            from pg_attribute as a
            where a.attrelid = format('%I.%I', v_source.source_schema, v_source.source_table)::regclass
              and a.attnum > 0
              and not a.attisdropped
        ),
        expected as (
            select c.column_name, c.source_type
            from warehouse.source_columns as c
            where c.source_name = p_source_name
        )
        select
            coalesce(a.column_name, e.column_name) as column_name,
            case
                when e.column_name is null then 'was added to the source and is not registered in warehouse.source_columns'
                when a.column_name is null then 'is registered but no longer exists in the source'
                else format('changed type from %s to %s', e.source_type, a.source_type)
            end as problem
        from actual as a
        full join expected as e on e.column_name = a.column_name
        where a.column_name is null or e.column_name is null or a.source_type <> e.source_type
        order by 1
        limit 1
    loop
        raise exception 'schema drift in %.%: column "%" %', v_source.source_schema, v_source.source_table,
            v_drift.column_name, v_drift.problem
            using errcode = 'data_exception',
                  hint = 'Register the change in warehouse.source_columns (and the raw table) in a migration, then run again.';
    end loop;
end;
$$;

comment on function warehouse.check_source_schema(text) is
    'Raises, naming the table and the column, when a source''s columns differ from warehouse.source_columns '
    '(added, removed or retyped): the seed''s on_schema_change = fail.';

-- Extraction
create function warehouse.oldest_open_transaction_start()
returns timestamptz
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_oldest timestamptz;
begin
    -- pg_stat_activity is cached for the rest of a transaction once read: read it fresh.
    perform pg_catalog.pg_stat_clear_snapshot();
    select min(a.xact_start) into v_oldest
    from pg_catalog.pg_stat_activity as a
    where a.xact_start is not null
      and a.pid <> pg_catalog.pg_backend_pid()
      and a.backend_type not in ('autovacuum worker', 'autovacuum launcher', 'walsender');
    return v_oldest;
end;
$$;

comment on function warehouse.oldest_open_transaction_start() is
    'Start of the oldest transaction open right now in any other session. A change it commits later carries a '
    'timestamp at or after this, so the extraction watermark never moves past it.';

create function warehouse.extract_source(p_source_name text, p_run_id bigint default null)
returns warehouse.extract_batches
language plpgsql
set search_path = ''
as $$
declare
    v_source warehouse.sources;
    v_batch warehouse.extract_batches;
    v_started_at timestamptz := clock_timestamp();
    v_oldest_open timestamptz;
    v_lower timestamptz;
    v_columns text;
    v_changed_columns text;
    v_version_columns text;
    v_expressions text;
    v_key_type text;
    v_salt text;
    v_erased_filter text := '';
    v_max_changed timestamptz;
    v_read bigint;
    v_inserted bigint;
    v_tombstones bigint;
begin
    -- One extraction of a source at a time; the row lock is held to commit. NO KEY UPDATE, so that the
    -- delete-capture trigger's foreign-key check (KEY SHARE) never waits for an extraction.
    select * into v_source from warehouse.sources where source_name = p_source_name for no key update;
    if not found then
        raise exception 'unknown source "%": register it in warehouse.sources', p_source_name;
    end if;

    perform warehouse.check_source_schema(p_source_name);
    -- (Re)creating a trigger locks the source against writes, so only when it is missing.
    if not warehouse.has_delete_capture(p_source_name) then
        perform warehouse.install_delete_capture(p_source_name);
    end if;

    -- Read before the extracting statement takes its snapshot: every transaction that statement
    -- cannot see yet either started before this moment (and is counted here) or after it.
    v_oldest_open := warehouse.oldest_open_transaction_start();
    v_lower := coalesce(v_source.watermark - v_source.overlap, '-infinity'::timestamptz);

    insert into warehouse.extract_batches (source_name, run_id, started_at, lower_bound)
    values (p_source_name, p_run_id, v_started_at, v_lower)
    returning * into v_batch;

    select
        string_agg(format('%I', c.raw_column), ', ' order by c.column_name),
        string_agg(format('c.%I', c.raw_column), ', ' order by c.column_name),
        string_agg(format('v.%I', c.raw_column), ', ' order by c.column_name),
        string_agg(
            format('%s as %I', coalesce(c.extract_expression, format('s.%I', c.column_name)), c.raw_column),
            ', ' order by c.column_name)
    into v_columns, v_changed_columns, v_version_columns, v_expressions
    from warehouse.source_columns as c
    where c.source_name = p_source_name and c.raw_column is not null;

    -- Rows of erased users are never extracted again (only checked when someone was erased).
    if v_source.user_key_expression is not null and exists (select 1 from warehouse.erased_users) then
        v_salt := warehouse.pii_salt();
        v_erased_filter := format(
            'and not exists (select 1 from warehouse.erased_users as e where e.user_key_hash = warehouse.salted_sha256((%s)::text, $5))',
            v_source.user_key_expression);
    end if;

    -- One statement, one snapshot: the rows read, the rows written and the new watermark agree.
    execute format(
        $sql$
        with changed as (
            select %1$s, s.%2$I as changed_at
            from %3$I.%4$I as s
            where s.%2$I >= $1 %10$s
        ),
        versions as (
            select c.*, md5(row(%5$s)::text) as row_hash
            from changed as c
        ),
        inserted as (
            insert into %6$I.%7$I (extracted_at, extracted_date, source_system, batch_id, changed_at, is_tombstone, row_hash, %8$s)
            select $2, ($2 at time zone 'UTC')::date, $3, $4, v.changed_at, false, v.row_hash, %9$s
            from versions as v
            where not exists (
                select 1 from %6$I.%7$I as r where r.id = v.id and r.row_hash = v.row_hash
            )
            returning 1
        )
        select (select max(changed_at) from changed), (select count(*) from changed), (select count(*) from inserted)
        $sql$,
        v_expressions, v_source.change_column, v_source.source_schema, v_source.source_table,
        v_changed_columns, v_source.raw_schema, v_source.raw_table, v_columns, v_version_columns, v_erased_filter
    )
    into v_max_changed, v_read, v_inserted
    using v_lower, v_started_at, v_source.source_system, v_batch.batch_id, v_salt;

    -- Hard deletes become tombstones: only the key and the deletion time.
    select format_type(a.atttypid, a.atttypmod) into strict v_key_type
    from pg_attribute as a
    where a.attrelid = format('%I.%I', v_source.raw_schema, v_source.raw_table)::regclass and a.attname = 'id';

    execute format(
        $sql$
        with deletions as (
            select d.key_value::%3$s as id, max(d.deleted_at) as changed_at
            from warehouse.source_deletions as d
            where d.source_name = $1 and d.deleted_at >= $2
            group by d.key_value
        ),
        tombstones as (
            select d.id, d.changed_at, md5('tombstone:' || d.changed_at::text) as row_hash
            from deletions as d
        )
        insert into %1$I.%2$I (extracted_at, extracted_date, source_system, batch_id, changed_at, is_tombstone, row_hash, id)
        select $3, ($3 at time zone 'UTC')::date, $4, $5, t.changed_at, true, t.row_hash, t.id
        from tombstones as t
        where not exists (
            select 1 from %1$I.%2$I as r where r.id = t.id and r.row_hash = t.row_hash
        )
        $sql$,
        v_source.raw_schema, v_source.raw_table, v_key_type
    )
    using p_source_name, v_lower, v_started_at, v_source.source_system, v_batch.batch_id;
    get diagnostics v_tombstones = row_count;

    update warehouse.sources
    set watermark = coalesce(least(v_max_changed, v_oldest_open, v_started_at), watermark),
        last_batch_id = v_batch.batch_id
    where source_name = p_source_name
    returning watermark into v_source.watermark;

    update warehouse.extract_batches
    set status = 'succeeded',
        finished_at = clock_timestamp(),
        next_watermark = v_source.watermark,
        rows_read = v_read,
        rows_inserted = v_inserted,
        tombstones_inserted = v_tombstones
    where batch_id = v_batch.batch_id
    returning * into v_batch;

    return v_batch;
end;
$$;

comment on function warehouse.extract_source(text, bigint) is
    'Extracts one registered source into its raw table in the caller''s transaction: checks for schema drift, reads rows '
    'changed since watermark - overlap, writes the versions raw lacks and tombstones for hard deletes, advances the '
    'watermark (never past an open transaction''s start). Raises on any problem, so nothing partial is written. '
    'Returns the batch row.';

create function warehouse.record_failed_batch(p_source_name text, p_run_id bigint, p_error text)
returns warehouse.extract_batches
language sql
set search_path = ''
as $$
    insert into warehouse.extract_batches (source_name, run_id, status, finished_at, error, rows_read, rows_inserted, tombstones_inserted)
    values (p_source_name, p_run_id, 'failed', clock_timestamp(), p_error, 0, 0, 0)
    returning *
$$;

comment on function warehouse.record_failed_batch(text, bigint, text) is
    'Records a failed extraction of a source (after its work was rolled back) so that the failure is visible.';

-- ===============================================================================================
-- supabase/schemas/engine/pipeline_runs.sql
-- ===============================================================================================

-- Pipeline runs: the run and step logs, and warehouse.run_pipeline, the one procedure the cron job
-- calls. Every run and every step writes its own log row (start, end, rows in and out, status, error).
create function warehouse.session_origin()
returns text
language sql
stable
set search_path = ''
as $$
    select coalesce(
        nullif(current_setting('application_name', true), ''),
        (select a.backend_type from pg_catalog.pg_stat_activity as a where a.pid = pg_catalog.pg_backend_pid()))
$$;

comment on function warehouse.session_origin() is
    'Who is running this session: its application_name, else its backend type (pg_cron for a scheduled job).';

create table warehouse.pipeline_runs (
    run_id bigint generated always as identity primary key,
    status text not null default 'running' check (status in ('running', 'succeeded', 'failed', 'skipped')),
    full_refresh boolean not null default false,
    run_by text not null default current_user,
    started_at timestamptz not null default clock_timestamp(),
    finished_at timestamptz,
    error text,
    failing_tests text[] not null default '{}',
    origin text default warehouse.session_origin(),
    check (status = 'running' or finished_at is not null)
);

create index pipeline_runs_started_at_idx on warehouse.pipeline_runs (started_at);

comment on table warehouse.pipeline_runs is 'One row per call of warehouse.run_pipeline.';
comment on column warehouse.pipeline_runs.run_id is 'Run id.';
comment on column warehouse.pipeline_runs.status is
    'running, succeeded, failed (some step failed; see pipeline_steps), or skipped (another run held the lock).';
comment on column warehouse.pipeline_runs.full_refresh is 'Whether staging and marts were rebuilt from raw.';
comment on column warehouse.pipeline_runs.run_by is 'The database role that ran it (postgres for the cron job).';
comment on column warehouse.pipeline_runs.started_at is 'Start of the run.';
comment on column warehouse.pipeline_runs.finished_at is 'End of the run.';
comment on column warehouse.pipeline_runs.error is 'Why the run failed or was skipped, in one line.';
comment on column warehouse.pipeline_runs.failing_tests is 'Error-severity quality tests that failed and kept the run from publishing.';
comment on column warehouse.pipeline_runs.origin is
    'The session that ran it (warehouse.session_origin()): pg_cron for a scheduled run, else the client''s application_name.';

create table warehouse.pipeline_steps (
    step_id bigint generated always as identity primary key,
    run_id bigint not null references warehouse.pipeline_runs (run_id) on delete cascade,
    step_name text not null,
    target text,
    status text not null default 'running' check (status in ('running', 'succeeded', 'failed', 'skipped', 'rolled_back')),
    started_at timestamptz not null default clock_timestamp(),
    finished_at timestamptz,
    rows_in bigint,
    rows_out bigint,
    error text,
    detail jsonb,
    check (status = 'running' or finished_at is not null)
);

create index pipeline_steps_run_idx on warehouse.pipeline_steps (run_id, step_id);

comment on table warehouse.pipeline_steps is 'One row per step of a pipeline run (a partition upkeep, a source extracted, a model refreshed, a test pass).';
comment on column warehouse.pipeline_steps.step_id is 'Step id, in execution order.';
comment on column warehouse.pipeline_steps.run_id is 'The run.';
comment on column warehouse.pipeline_steps.step_name is 'What the step does: ensure_partitions, extract, stage, test, model, publish.';
comment on column warehouse.pipeline_steps.target is 'What it did it to: a source or model name.';
comment on column warehouse.pipeline_steps.status is 'running, succeeded, failed, skipped, or rolled_back (its work was discarded because the run did not publish).';
comment on column warehouse.pipeline_steps.started_at is 'Start of the step.';
comment on column warehouse.pipeline_steps.finished_at is 'End of the step.';
comment on column warehouse.pipeline_steps.rows_in is 'Rows the step read.';
comment on column warehouse.pipeline_steps.rows_out is 'Rows the step wrote.';
comment on column warehouse.pipeline_steps.error is 'The error, if the step failed.';
comment on column warehouse.pipeline_steps.detail is 'Step-specific facts (batch id, watermark, partitions created, ...).';

create function warehouse.start_step(p_run_id bigint, p_step_name text, p_target text default null)
returns bigint
language sql
set search_path = ''
as $$
    insert into warehouse.pipeline_steps (run_id, step_name, target)
    values (p_run_id, p_step_name, p_target)
    returning step_id
$$;

comment on function warehouse.start_step(bigint, text, text) is 'Logs the start of a step; returns its step_id.';

create function warehouse.finish_step(
    p_step_id bigint,
    p_status text,
    p_rows_in bigint default null,
    p_rows_out bigint default null,
    p_error text default null,
    p_detail jsonb default null
)
returns void
language sql
set search_path = ''
as $$
    update warehouse.pipeline_steps
    set status = p_status,
        finished_at = clock_timestamp(),
        rows_in = p_rows_in,
        rows_out = p_rows_out,
        error = p_error,
        detail = p_detail
    where step_id = p_step_id
$$;

comment on function warehouse.finish_step(bigint, text, bigint, bigint, text, jsonb) is 'Logs the end of a step.';

create function warehouse.pipeline_lock_key()
returns bigint
language sql
immutable
set search_path = ''
as $$
    select 7415220001::bigint
$$;

comment on function warehouse.pipeline_lock_key() is 'The advisory lock key that keeps pipeline runs from overlapping.';

create function warehouse.run_partition_upkeep(p_run_id bigint)
returns integer
language plpgsql
set search_path = ''
as $$
declare
    v_step bigint := warehouse.start_step(p_run_id, 'ensure_partitions');
    v_created jsonb;
    v_default jsonb;
begin
    select coalesce(jsonb_agg(to_jsonb(p)), '[]'::jsonb) into v_created from warehouse.ensure_partitions() as p;
    select coalesce(jsonb_object_agg(d.parent_table, d.row_count), '{}'::jsonb) into v_default
    from warehouse.default_partition_rows() as d where d.row_count > 0;
    perform warehouse.finish_step(v_step, 'succeeded', null, jsonb_array_length(v_created), null,
        jsonb_build_object('partitions_created', v_created, 'rows_in_default', v_default));
    return jsonb_array_length(v_created);
end;
$$;

comment on function warehouse.run_partition_upkeep(bigint) is
    'Pipeline step: ensure_partitions, logged with the partitions created and any rows still in DEFAULT partitions.';

create function warehouse.run_extract_source(p_run_id bigint, p_source_name text)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
    v_step bigint := warehouse.start_step(p_run_id, 'extract', p_source_name);
    v_batch warehouse.extract_batches;
    v_error text;
begin
    begin
        v_batch := warehouse.extract_source(p_source_name, p_run_id);
    exception when others then
        get stacked diagnostics v_error = message_text;
        perform warehouse.record_failed_batch(p_source_name, p_run_id, v_error);
        perform warehouse.finish_step(v_step, 'failed', 0, 0, v_error, null);
        raise warning 'extracting % failed: %', p_source_name, v_error;
        return false;
    end;
    perform warehouse.finish_step(v_step, 'succeeded', v_batch.rows_read, v_batch.rows_inserted + v_batch.tombstones_inserted, null,
        jsonb_build_object('batch_id', v_batch.batch_id, 'tombstones', v_batch.tombstones_inserted,
            'lower_bound', v_batch.lower_bound, 'next_watermark', v_batch.next_watermark));
    return true;
end;
$$;

comment on function warehouse.run_extract_source(bigint, text) is
    'Pipeline step: extracts one source. A failure rolls back that source''s work only, is logged on the step and '
    'as a failed batch, and returns false; the other sources still run.';

-- No `set search_path` here: a procedure with a SET clause cannot commit. Every name is qualified.

-- The pipeline: partitions → extract → staging → tests → marts → tests → publish

-- No `set search_path` here: a procedure with a SET clause cannot commit. Every name is qualified.
create or replace procedure warehouse.run_pipeline(p_full_refresh boolean default false, inout p_run_id bigint default null)
language plpgsql
as $$
declare
    v_source text;
    v_extracted boolean := true;
    v_publish jsonb;
    v_errors text[] := '{}';
begin
    if not pg_catalog.pg_try_advisory_lock(warehouse.pipeline_lock_key()) then
        insert into warehouse.pipeline_runs (status, full_refresh, finished_at, error)
        values ('skipped', p_full_refresh, pg_catalog.clock_timestamp(), 'another pipeline run is in progress')
        returning run_id into p_run_id;
        raise notice 'warehouse.run_pipeline: another run is in progress; run % skipped', p_run_id;
        return;
    end if;

    insert into warehouse.pipeline_runs (full_refresh) values (p_full_refresh) returning run_id into p_run_id;
    commit;

    perform warehouse.run_partition_upkeep(p_run_id);
    commit;

    for v_source in select s.source_name from warehouse.sources as s where s.is_enabled order by s.source_name loop
        v_extracted := warehouse.run_extract_source(p_run_id, v_source) and v_extracted;
        commit;
    end loop;
    if not v_extracted then
        v_errors := v_errors || ('extraction failed for: ' || (
            select pg_catalog.string_agg(s.target, ', ' order by s.step_id)
            from warehouse.pipeline_steps as s where s.run_id = p_run_id and s.step_name = 'extract' and s.status = 'failed'));
    end if;

    v_publish := warehouse.transform_and_publish(p_run_id, p_full_refresh);
    commit;
    if v_publish ->> 'status' <> 'published' then
        v_errors := v_errors || (v_publish ->> 'error');
    else
        perform warehouse.analyze_published_tables();
    end if;

    update warehouse.pipeline_runs
    set status = case when pg_catalog.cardinality(v_errors) = 0 then 'succeeded' else 'failed' end,
        finished_at = pg_catalog.clock_timestamp(),
        error = nullif(pg_catalog.array_to_string(v_errors, '; '), ''),
        failing_tests = array(select pg_catalog.jsonb_array_elements_text(v_publish -> 'failing_tests'))
    where run_id = p_run_id;
    commit;

    perform pg_catalog.pg_advisory_unlock(warehouse.pipeline_lock_key());
end;
$$;

comment on procedure warehouse.run_pipeline(boolean, bigint) is
    'The pipeline, as the cron job calls it: call warehouse.run_pipeline(). Takes an advisory lock (a concurrent call is '
    'logged as skipped and does nothing), then: partition upkeep; extraction of every enabled source (each committed on '
    'its own); staging, tests, marts, tests and publish in one transaction (warehouse.transform_and_publish). '
    'p_full_refresh rebuilds staging and marts from raw. Returns the run id.';

-- ===============================================================================================
-- supabase/schemas/engine/quality_tests.sql
-- ===============================================================================================

-- Data-quality tests as data ("dbt tests as data"): a registry of tests, one function that evaluates a
-- test and returns its result, one that evaluates the tests of some models, and a history of results.
--
-- A test is a row in warehouse.quality_tests: its kind (unique, not_null, accepted_values, relationships,
-- freshness, row_count_match, no_negative, expression), the table and column it checks, and its params.
-- Evaluating never raises: a test whose own SQL fails (a missing table or column, bad params) has status
-- 'error' and the error text as its message. Evaluating never writes either: the pipeline may evaluate
-- inside a transaction it is about to roll back, keep the results in a variable, and record them after
-- with warehouse.record_quality_results. The results with severity 'error' and status 'fail' or 'error'
-- (warehouse.failing_tests) block publishing.
--
-- The registry is trusted: params.where and the per-relation where of row_count_match are SQL
-- predicates run as written, so only migrations write warehouse.quality_tests (no role but the
-- migration owner has any privilege on it). Identifiers are always quoted with format('%I').
-- Predicates run with an empty search_path: qualify any function or type that is not in pg_catalog.
create table warehouse.quality_tests (
    test_name text primary key,
    model_name text not null,
    table_schema text not null,
    table_name text not null,
    kind text not null check (
        kind in ('unique', 'not_null', 'accepted_values', 'relationships', 'freshness', 'row_count_match', 'no_negative', 'expression')
    ),
    column_name text,
    key_column text,
    params jsonb not null default '{}',
    severity text not null default 'error' check (severity in ('error', 'warn')),
    description text not null,
    is_enabled boolean not null default true,
    check (jsonb_typeof(params) = 'object'),
    check (kind not in ('not_null', 'accepted_values', 'relationships', 'freshness') or column_name is not null)
);

comment on table warehouse.quality_tests is
    'Registry of data-quality tests, one row per test. Written only by migrations: the where predicates in params are '
    'trusted SQL and run as written.';
comment on column warehouse.quality_tests.test_name is
    'Unique name, <model>__<column>__<kind> (stg_supabase_users__user_id__unique).';
comment on column warehouse.quality_tests.model_name is
    'The model the test checks (stg_supabase_users); a plain name, so a model can be tested before or after it exists.';
comment on column warehouse.quality_tests.table_schema is 'Schema of the table or view checked.';
comment on column warehouse.quality_tests.table_name is
    'The table or view checked (informational for row_count_match, which checks params.relations).';
comment on column warehouse.quality_tests.kind is
    'unique (column_name or params.columns: no key value occurs twice; rows with a null key part are ignored), '
    'not_null (column_name), accepted_values (column_name as text in params.values), relationships (non-null '
    'column_name found in params.to_schema.to_table.to_column), freshness (now() - max(column_name) within '
    'params.warn_after / params.error_after), row_count_match (params.relations all have the same row count), '
    'no_negative (none of params.columns, or column_name, below 0), expression (no row matches params.where).';
comment on column warehouse.quality_tests.column_name is 'The column checked, for the kinds that check one column.';
comment on column warehouse.quality_tests.key_column is
    'Column whose values identify failing rows in the sample (never PII); NULL: no samples. unique, relationships and '
    'accepted_values sample the offending values of column_name instead, so never register them on a PII column.';
comment on column warehouse.quality_tests.params is
    'Kind-specific parameters (columns, values, to_schema/to_table/to_column, warn_after/error_after, relations) and '
    'an optional where: a SQL predicate restricting the rows checked (for expression: the predicate that selects the '
    'failing rows). Trusted SQL.';
comment on column warehouse.quality_tests.severity is
    'error: a failure blocks publishing; warn: a failure is reported as warn and publishing goes on.';
comment on column warehouse.quality_tests.description is 'What the test protects, in one sentence.';
comment on column warehouse.quality_tests.is_enabled is 'Whether run_quality_tests evaluates the test.';

create table warehouse.quality_test_results (
    result_id bigint generated always as identity primary key,
    run_id bigint references warehouse.pipeline_runs (run_id) on delete cascade,
    test_name text not null,
    model_name text not null,
    kind text not null,
    severity text not null,
    status text not null check (status in ('pass', 'warn', 'fail', 'error')),
    failing_rows bigint not null default 0,
    sample_keys text[] not null default '{}',
    message text,
    checked_at timestamptz not null default clock_timestamp()
);

create index quality_test_results_run_idx on warehouse.quality_test_results (run_id);
create index quality_test_results_test_checked_at_idx on warehouse.quality_test_results (test_name, checked_at);

comment on table warehouse.quality_test_results is
    'History of data-quality test results, one row per evaluation of one test. Insert-only.';
comment on column warehouse.quality_test_results.result_id is 'Result id.';
comment on column warehouse.quality_test_results.run_id is 'The pipeline run that evaluated the test; NULL for an ad-hoc evaluation.';
comment on column warehouse.quality_test_results.test_name is 'The test (a copy: the history outlives changes to the registry).';
comment on column warehouse.quality_test_results.model_name is 'The model the test checked.';
comment on column warehouse.quality_test_results.kind is 'The kind of test, as registered when it ran.';
comment on column warehouse.quality_test_results.severity is 'The severity of the test, as registered when it ran.';
comment on column warehouse.quality_test_results.status is
    'pass; warn (failed with severity warn, or freshness past warn_after only); fail (failed with severity error); '
    'error (the test''s own SQL failed; see message).';
comment on column warehouse.quality_test_results.failing_rows is
    'Rows that failed (unique: key values occurring more than once; freshness: 1 when not pass; row_count_match: '
    'largest count minus smallest).';
comment on column warehouse.quality_test_results.sample_keys is
    'Up to 5 distinct values, in text order, identifying failing rows: of key_column, or the offending values for '
    'unique (composite keys joined with |), relationships and accepted_values. Never PII.';
comment on column warehouse.quality_test_results.message is 'One human line: what was checked and what was found, or the error.';
comment on column warehouse.quality_test_results.checked_at is 'When the test was evaluated.';

-- Evaluation
create function warehouse.quality_check_rows(
    p_table_schema text,
    p_table_name text,
    p_failing_predicate text,
    p_where text default null,
    p_sample_expression text default null,
    out failing_rows bigint,
    out rows_checked bigint,
    out sample_keys text[]
)
language plpgsql
set search_path = ''
as $$
declare
    v_filter text := coalesce('(' || nullif(btrim(p_where), '') || ')', 'true');
begin
    execute format(
        'select count(*) filter (where (%s)), count(*) from %I.%I as t where %s',
        p_failing_predicate, p_table_schema, p_table_name, v_filter
    )
    into failing_rows, rows_checked;

    sample_keys := '{}';
    if failing_rows > 0 and p_sample_expression is not null then
        execute format(
            'select coalesce(array_agg(s.sample_key order by s.sample_key), ''{}'')
            from (
                select distinct (%1$s)::text as sample_key
                from %2$I.%3$I as t
                where (%4$s) and %5$s and (%1$s) is not null
                order by 1
                limit 5
            ) as s',
            p_sample_expression, p_table_schema, p_table_name, p_failing_predicate, v_filter
        )
        into sample_keys;
    end if;
end;
$$;

comment on function warehouse.quality_check_rows(text, text, text, text, text) is
    'Counts the rows of a table (alias t) that match a failing predicate, among those matching p_where, and samples '
    'up to 5 distinct values of p_sample_expression over the failing rows. The row-wise kinds of evaluate_quality_test '
    'are built on it. Predicates and expression are trusted SQL; the table is quoted with %I.';

create function warehouse.evaluate_quality_test(p_test warehouse.quality_tests, p_run_id bigint default null)
returns warehouse.quality_test_results
language plpgsql
set search_path = ''
as $$
declare
    v_result warehouse.quality_test_results;
    v_params jsonb := coalesce(p_test.params, '{}');
    v_where text := nullif(btrim(v_params ->> 'where'), '');
    v_relation text := p_test.table_schema || '.' || p_test.table_name;
    v_scope text;
    v_sample text;
    v_columns text[];
    v_values text[];
    v_failing bigint := 0;
    v_checked bigint;
    v_samples text[] := '{}';
    v_message text;
    v_status text;
    v_warn_after interval;
    v_error_after interval;
    v_thresholds text;
    v_newest timestamptz;
    v_age interval;
    v_relation_spec jsonb;
    v_count bigint;
    v_counts bigint[] := '{}';
    v_labels text[] := '{}';
    v_error text;
begin
    v_result.run_id := p_run_id;
    v_result.test_name := p_test.test_name;
    v_result.model_name := p_test.model_name;
    v_result.kind := p_test.kind;
    v_result.severity := p_test.severity;

    begin
        v_scope := case when v_where is null then '' else format(' where %s', v_where) end;
        v_sample := case when p_test.key_column is not null then format('t.%I', p_test.key_column) end;

        case p_test.kind
        when 'unique' then
            if v_params ? 'columns' then
                if jsonb_typeof(v_params -> 'columns') <> 'array' or jsonb_array_length(v_params -> 'columns') = 0 then
                    raise exception 'unique test % needs params.columns as a non-empty json array of column names', p_test.test_name;
                end if;
                v_columns := array(select jsonb_array_elements_text(v_params -> 'columns'));
            elsif p_test.column_name is not null then
                v_columns := array[p_test.column_name];
            else
                raise exception 'unique test % needs column_name or params.columns', p_test.test_name;
            end if;

            execute format(
                'with key_counts as (
                    select %s as key_value, count(*) as row_count
                    from %I.%I as t
                    where (%s) and %s
                    group by %s
                )
                select
                    count(*) filter (where k.row_count > 1),
                    coalesce(sum(k.row_count), 0)::bigint,
                    coalesce((
                        select array_agg(d.key_value order by d.key_value)
                        from (
                            select dk.key_value from key_counts as dk where dk.row_count > 1 order by dk.key_value limit 5
                        ) as d
                    ), ''{}'')
                from key_counts as k',
                case
                    when cardinality(v_columns) = 1 then format('t.%I::text', v_columns[1])
                    else format('concat_ws(%L, %s)', '|',
                        (select string_agg(format('t.%I::text', c), ', ' order by o) from unnest(v_columns) with ordinality as u (c, o)))
                end,
                p_test.table_schema, p_test.table_name,
                (select string_agg(format('t.%I is not null', c), ' and ' order by o) from unnest(v_columns) with ordinality as u (c, o)),
                coalesce('(' || v_where || ')', 'true'),
                (select string_agg(format('t.%I', c), ', ' order by o) from unnest(v_columns) with ordinality as u (c, o))
            )
            into v_failing, v_checked, v_samples;
            v_message := format('unique (%s) in %s%s: %s key values occur more than once (%s rows with a non-null key checked)',
                array_to_string(v_columns, ', '), v_relation, v_scope, v_failing, v_checked);

        when 'not_null' then
            select q.failing_rows, q.rows_checked, q.sample_keys into v_failing, v_checked, v_samples
            from warehouse.quality_check_rows(p_test.table_schema, p_test.table_name,
                format('t.%I is null', p_test.column_name), v_where, v_sample) as q;
            v_message := format('not_null %s in %s%s: %s of %s rows are null',
                p_test.column_name, v_relation, v_scope, v_failing, v_checked);

        when 'accepted_values' then
            if jsonb_typeof(v_params -> 'values') is distinct from 'array' then
                raise exception 'accepted_values test % needs params.values as a json array of strings', p_test.test_name;
            end if;
            v_values := array(select jsonb_array_elements_text(v_params -> 'values'));
            select q.failing_rows, q.rows_checked, q.sample_keys into v_failing, v_checked, v_samples
            from warehouse.quality_check_rows(p_test.table_schema, p_test.table_name,
                format('t.%1$I is not null and t.%1$I::text <> all (%2$L::text[])', p_test.column_name, v_values),
                v_where, format('t.%I', p_test.column_name)) as q;
            v_message := format('accepted_values %s in %s%s: %s of %s rows are not one of (%s)',
                p_test.column_name, v_relation, v_scope, v_failing, v_checked, array_to_string(v_values, ', '));

        when 'relationships' then
            if v_params ->> 'to_schema' is null or v_params ->> 'to_table' is null or v_params ->> 'to_column' is null then
                raise exception 'relationships test % needs params.to_schema, params.to_table and params.to_column', p_test.test_name;
            end if;
            select q.failing_rows, q.rows_checked, q.sample_keys into v_failing, v_checked, v_samples
            from warehouse.quality_check_rows(p_test.table_schema, p_test.table_name,
                format('t.%1$I is not null and not exists (select 1 from %2$I.%3$I as r where r.%4$I = t.%1$I)',
                    p_test.column_name, v_params ->> 'to_schema', v_params ->> 'to_table', v_params ->> 'to_column'),
                v_where, format('t.%I', p_test.column_name)) as q;
            v_message := format('relationships %s in %s%s to %s.%s.%s: %s of %s rows have no match',
                p_test.column_name, v_relation, v_scope, v_params ->> 'to_schema', v_params ->> 'to_table',
                v_params ->> 'to_column', v_failing, v_checked);

        when 'freshness' then
            v_warn_after := (v_params ->> 'warn_after')::interval;
            v_error_after := (v_params ->> 'error_after')::interval;
            if v_warn_after is null and v_error_after is null then
                raise exception 'freshness test % needs params.warn_after or params.error_after (an interval)', p_test.test_name;
            end if;
            execute format('select max(t.%I) from %I.%I as t where %s',
                p_test.column_name, p_test.table_schema, p_test.table_name, coalesce('(' || v_where || ')', 'true'))
            into v_newest;
            v_age := now() - v_newest;
            v_thresholds := concat_ws(', ', 'warn after ' || (v_params ->> 'warn_after'), 'error after ' || (v_params ->> 'error_after'));

            if v_error_after is not null and (v_newest is null or v_age > v_error_after) then
                v_status := case when p_test.severity = 'warn' then 'warn' else 'fail' end;
            elsif v_warn_after is not null and (v_newest is null or v_age > v_warn_after) then
                v_status := 'warn';
            else
                v_status := 'pass';
            end if;
            v_failing := case when v_status = 'pass' then 0 else 1 end;
            v_message := case
                when v_newest is null then format('no %s in %s%s: infinitely stale (%s)', p_test.column_name, v_relation, v_scope, v_thresholds)
                else format('newest %s is %s hours old (%s)',
                    p_test.column_name, round(extract(epoch from v_age) / 3600, 1), v_thresholds)
            end;

        when 'row_count_match' then
            if v_where is not null then
                raise exception 'row_count_match test % takes a where per relation in params.relations, not params.where', p_test.test_name;
            end if;
            if jsonb_typeof(v_params -> 'relations') is distinct from 'array' or jsonb_array_length(v_params -> 'relations') < 2 then
                raise exception 'row_count_match test % needs params.relations: a json array of at least two {"schema", "table"} objects',
                    p_test.test_name;
            end if;
            for v_relation_spec in select r.value from jsonb_array_elements(v_params -> 'relations') as r loop
                if v_relation_spec ->> 'schema' is null or v_relation_spec ->> 'table' is null then
                    raise exception 'row_count_match test %: every relation needs "schema" and "table", got %', p_test.test_name, v_relation_spec;
                end if;
                execute format('select count(*) from %I.%I as t where %s',
                    v_relation_spec ->> 'schema', v_relation_spec ->> 'table',
                    coalesce('(' || nullif(btrim(v_relation_spec ->> 'where'), '') || ')', 'true'))
                into v_count;
                v_counts := v_counts || v_count;
                v_labels := v_labels || (coalesce(v_relation_spec ->> 'label', (v_relation_spec ->> 'schema') || '.' || (v_relation_spec ->> 'table'))
                    || '=' || v_count);
            end loop;
            v_failing := (select max(c) - min(c) from unnest(v_counts) as c);
            v_message := case
                when v_failing = 0 then format('row counts match: %s', array_to_string(v_labels, ', '))
                else format('row counts differ by %s: %s', v_failing, array_to_string(v_labels, ', '))
            end;

        when 'no_negative' then
            if v_params ? 'columns' then
                if jsonb_typeof(v_params -> 'columns') <> 'array' or jsonb_array_length(v_params -> 'columns') = 0 then
                    raise exception 'no_negative test % needs params.columns as a non-empty json array of column names', p_test.test_name;
                end if;
                v_columns := array(select jsonb_array_elements_text(v_params -> 'columns'));
            elsif p_test.column_name is not null then
                v_columns := array[p_test.column_name];
            else
                raise exception 'no_negative test % needs params.columns or column_name', p_test.test_name;
            end if;
            select q.failing_rows, q.rows_checked, q.sample_keys into v_failing, v_checked, v_samples
            from warehouse.quality_check_rows(p_test.table_schema, p_test.table_name,
                (select string_agg(format('t.%I < 0', c), ' or ' order by o) from unnest(v_columns) with ordinality as u (c, o)),
                v_where, v_sample) as q;
            v_message := format('no_negative (%s) in %s%s: %s of %s rows have a negative value',
                array_to_string(v_columns, ', '), v_relation, v_scope, v_failing, v_checked);

        when 'expression' then
            if v_where is null then
                raise exception 'expression test % needs params.where: a predicate that selects the failing rows', p_test.test_name;
            end if;
            select q.failing_rows, q.rows_checked, q.sample_keys into v_failing, v_checked, v_samples
            from warehouse.quality_check_rows(p_test.table_schema, p_test.table_name, v_where, null, v_sample) as q;
            v_message := format('expression in %s: %s of %s rows match (%s)', v_relation, v_failing, v_checked, v_where);

        else
            raise exception 'quality test % has unknown kind %', p_test.test_name, p_test.kind;
        end case;

        v_result.status := coalesce(v_status, case
            when v_failing = 0 then 'pass'
            when p_test.severity = 'warn' then 'warn'
            else 'fail'
        end);
        v_result.failing_rows := v_failing;
        v_result.sample_keys := coalesce(v_samples, '{}');
        v_result.message := v_message;
    exception when others then
        get stacked diagnostics v_error = message_text;
        v_result.status := 'error';
        v_result.failing_rows := 0;
        v_result.sample_keys := '{}';
        v_result.message := v_error;
    end;

    v_result.checked_at := clock_timestamp();
    return v_result;
end;
$$;

comment on function warehouse.evaluate_quality_test(warehouse.quality_tests, bigint) is
    'Builds and runs one test''s SQL and returns its result, without inserting it (result_id is NULL). Status: pass '
    'when no row fails, else fail (severity error) or warn (severity warn); freshness past warn_after only is warn. '
    'Never raises: when the test''s own SQL fails (missing table or column, bad params) the status is error and the '
    'message is the error text.';

create function warehouse.run_quality_tests(p_run_id bigint, p_model_names text[] default null)
returns setof warehouse.quality_test_results
language plpgsql
set search_path = ''
as $$
declare
    v_test warehouse.quality_tests;
begin
    for v_test in
        select t.*
        from warehouse.quality_tests as t
        where t.is_enabled
          and (p_model_names is null or t.model_name = any (p_model_names))
        order by t.model_name, t.test_name
    loop
        return next warehouse.evaluate_quality_test(v_test, p_run_id);
    end loop;
end;
$$;

comment on function warehouse.run_quality_tests(bigint, text[]) is
    'Evaluates every enabled test of the named models (all models when NULL), in order of model_name, test_name, and '
    'returns the results without inserting them: the caller may be in a transaction it will roll back, keeps the '
    'results, and records them with record_quality_results.';

create function warehouse.record_quality_results(p_results warehouse.quality_test_results[])
returns integer
language sql
set search_path = ''
as $$
    with inserted as (
        insert into warehouse.quality_test_results (
            run_id, test_name, model_name, kind, severity, status, failing_rows, sample_keys, message, checked_at
        )
        select
            r.run_id,
            r.test_name,
            r.model_name,
            r.kind,
            r.severity,
            r.status,
            coalesce(r.failing_rows, 0),
            coalesce(r.sample_keys, '{}'),
            r.message,
            coalesce(r.checked_at, clock_timestamp())
        from unnest(p_results) with ordinality as r
        order by r.ordinality
        returning 1
    )
    select count(*)::integer from inserted
$$;

comment on function warehouse.record_quality_results(warehouse.quality_test_results[]) is
    'Inserts results (from evaluate_quality_test or run_quality_tests) into the history, in array order, ignoring their '
    'result_id; returns how many were inserted.';

create function warehouse.failing_tests(p_results warehouse.quality_test_results[])
returns text[]
language sql
immutable
set search_path = ''
as $$
    select coalesce(array_agg(distinct r.test_name order by r.test_name), '{}')
    from unnest(p_results) as r
    where r.status in ('fail', 'error')
      and r.severity = 'error'
$$;

comment on function warehouse.failing_tests(warehouse.quality_test_results[]) is
    'The names (sorted, distinct) of the results that must block publishing: status fail or error with severity error.';

-- ===============================================================================================
-- supabase/schemas/engine/pii.sql
-- ===============================================================================================

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

create function warehouse.salted_sha256(p_value text, p_salt text)
returns varchar(64)
language sql
immutable
parallel safe
set search_path = ''
as $$
    select encode(sha256(convert_to(p_salt || p_value, 'UTF8')), 'hex')::varchar(64)
$$;

comment on function warehouse.salted_sha256(text, text) is
    'SHA-256 of salt || value as 64 hex characters; NULL for a NULL value. Callers normalise the value first.';

create function warehouse.normalise_email(p_email text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
    select nullif(lower(btrim(p_email)), '')
$$;

comment on function warehouse.normalise_email(text) is 'An email as hashed: trimmed and lowercased.';

create function warehouse.mask_email(p_email text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
    select case
        when p_email is null or position('@' in p_email) = 0 then null
        else left(split_part(p_email, '@', 1), 4) || '***@' || split_part(p_email, '@', 2)
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
set search_path = ''
as $$
    select coalesce(
        -- a key that names personal data, at any depth
        p_value::text ~* '"(e_?mail|email_address|first_?name|last_?name|full_?name|name|user_?name|phone|phone_number|mobile|address|street|postcode|postal_code|zip|zip_code|ip|ip_address|password|ssn|birth_?date|dob|lat|lng|lon|latitude|longitude)"\s*:'
        -- or a value that looks like an email address or an IPv4 address
        or p_value::text ~* '[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}'
        or p_value::text ~ '(^|[^0-9.])([0-9]{1,3}\.){3}[0-9]{1,3}([^0-9.]|$)',
        false)
$$;

comment on function warehouse.jsonb_has_pii(jsonb) is
    'Whether a JSON document may hold PII: a key naming personal data (email, name, phone, address, ip, password, '
    'birth date, coordinates...) at any depth, or a value that looks like an email or IPv4 address. Staging drops '
    'such event properties whole.';

-- ===============================================================================================
-- supabase/schemas/engine/models.sql
-- ===============================================================================================

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

-- ===============================================================================================
-- supabase/schemas/engine/materializers.sql
-- ===============================================================================================

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
            returning 1
        ),
        tombstoned as (
            update %3$I.%4$I as s
            set is_hard_deleted = true, hard_deleted_at = v._changed_at, _changed_at = v._changed_at,
                _batch_id = v._batch_id, _dbt_loaded_at = now()
            from new_versions as v
            where v._is_tombstone and s.%1$I = v.%1$I and (s._changed_at is null or v._changed_at >= s._changed_at)
            returning 1
        )
        select (select count(*) from new_versions), (select count(*) from merged) + (select count(*) from tombstoned)
        $q$,
        v_key,
        v_projection,
        v_model.target_schema,
        v_model.target_table,
        (select string_agg(format('%I', c), ', ') from unnest(v_columns) as c),
        (select string_agg(format('v.%I', c), ', ') from unnest(v_columns) as c),
        (select string_agg(format('%1$I = excluded.%1$I', c), ', ') from unnest(v_columns[2:]) as c));
    execute v_sql into v_result.rows_in, v_result.rows_out using p_from_batch, p_to_batch;
    return v_result;
end;
$$;

comment on function warehouse.merge_scd1(text, bigint, bigint) is
    'The staging materializer (SCD1): from the model''s projection view, the newest version per key in '
    'batches (p_from_batch, p_to_batch] is upserted unless staging holds a newer one; tombstones mark the key '
    'hard-deleted. rows_in: keys in the batches; rows_out: rows inserted, updated or tombstoned.';

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
    v_result warehouse.refresh_result;
begin
    select * into strict v_model from warehouse.models where model_name = p_model_name;
    v_touched := (v_model.touched_function || '(bigint, bigint)')::regprocedure;
    v_rows := (v_model.transformation || '(bigint, bigint)')::regprocedure;
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
    execute format($q$
        with deleted as (
            delete from %1$I.%2$I as m using pg_temp.recompute_touched as t where %3$s returning %4$s
        )
        select count(*) from deleted as d where not exists (select 1 from pg_temp.recompute_rows as r where %5$s)
        $q$,
        v_model.target_schema, v_model.target_table, v_match,
        (select string_agg(format('m.%I', k), ', ') from unnest(v_model.unique_key) as k),
        (select string_agg(format('r.%1$I is not distinct from d.%1$I', k), ' and ') from unnest(v_model.unique_key) as k))
        into v_removed;
    execute format('insert into %I.%I select * from pg_temp.recompute_rows', v_model.target_schema, v_model.target_table);
    get diagnostics v_inserted = row_count;
    v_result.rows_out := v_inserted + v_removed;
    return v_result;
end;
$$;

comment on function warehouse.recompute_keys(text, bigint, bigint) is
    'The marts materializer: the rows of the keys the model''s touched function returns for batches (p_from_batch, '
    'p_to_batch] are deleted from its table and recomputed by its rows function. rows_in: keys touched; '
    'rows_out: rows written plus rows that left the table (as an upsert counts them).';

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
    -- Statistics now, inside the run's transaction (ANALYZE sees its uncommitted rows): the models
    -- downstream are planned against this table as it is, not as it was before the run.
    execute format('analyze %I.%I', v_model.target_schema, v_model.target_table);
    return v_result;
end;
$$;

comment on function warehouse.materialize(text, bigint, bigint) is
    'Applies batches (p_from_batch, p_to_batch] to a model with its materializer (warehouse.models.materialization), '
    'then its post_hook if it has one, then analyzes its table for the models downstream.';

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

-- ===============================================================================================
-- supabase/schemas/engine/definitions.sql
-- ===============================================================================================

-- Business rules as data: lifecycle stages (the seed's lifecycle_stage_definitions.csv), pet life
-- stages, and the numeric rules of the marts (engagement weights, windows, thresholds) in
-- warehouse.metric_definitions; with the small functions that apply them.

-- Definitions
create table warehouse.lifecycle_stage_definitions (
    lifecycle_stage varchar(50) primary key,
    priority integer not null unique,
    min_days_since_signup integer,
    max_days_since_signup integer,
    min_days_since_last_login integer,
    max_days_since_last_login integer,
    description text not null,
    check (min_days_since_signup is null or max_days_since_signup is null or min_days_since_signup <= max_days_since_signup),
    check (min_days_since_last_login is null or max_days_since_last_login is null or min_days_since_last_login <= max_days_since_last_login)
);

comment on table warehouse.lifecycle_stage_definitions is
    'Lifecycle stage rules (the seed''s lifecycle_stage_definitions.csv); one row per stage. A user is in the first stage, '
    'by priority, whose non-NULL bounds all hold. A user who never logged in counts from sign-up.';
comment on column warehouse.lifecycle_stage_definitions.lifecycle_stage is 'Stage name: new, active, at_risk, churned.';
comment on column warehouse.lifecycle_stage_definitions.priority is 'Lower is checked first.';
comment on column warehouse.lifecycle_stage_definitions.min_days_since_signup is 'Lower bound (inclusive) on days since sign-up; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.max_days_since_signup is 'Upper bound (inclusive) on days since sign-up; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.min_days_since_last_login is 'Lower bound (inclusive) on days since the last login; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.max_days_since_last_login is 'Upper bound (inclusive) on days since the last login; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.description is 'The rule in words.';

insert into warehouse.lifecycle_stage_definitions
    (lifecycle_stage, priority, min_days_since_signup, max_days_since_signup, min_days_since_last_login, max_days_since_last_login, description)
values
    ('new', 1, null, 13, null, null, 'Signed up less than 14 days ago.'),
    ('active', 2, null, null, null, 29, 'Logged in within the last 30 days.'),
    ('at_risk', 3, null, null, 30, 59, 'Last login 30 to 59 days ago.'),
    ('churned', 4, null, null, 60, null, 'No login for 60 days or more.');

create table warehouse.metric_definitions (
    metric_name text primary key,
    value numeric not null,
    description text not null
);

comment on table warehouse.metric_definitions is 'Numeric business rules of the marts (weights, windows); one row per rule.';
comment on column warehouse.metric_definitions.metric_name is 'Rule name.';
comment on column warehouse.metric_definitions.value is 'Its value.';
comment on column warehouse.metric_definitions.description is 'What it means.';

insert into warehouse.metric_definitions (metric_name, value, description)
values
    ('engagement_weight_login', 1, 'Engagement score points per login (seed: logins * 1).'),
    ('engagement_weight_session', 2, 'Engagement score points per session (seed: sessions * 2).'),
    ('engagement_weight_api_call', 0.1, 'Engagement score points per API call.'),
    ('engagement_weight_feature', 0.5, 'Engagement score points per distinct feature used.'),
    ('active_window_days', 30, 'A user is active on a day when they logged in on it or in the days before it, within this many days.');

create function warehouse.metric(p_metric_name text)
returns numeric
language plpgsql
stable
set search_path = ''
as $$
declare
    v_value numeric;
begin
    select value into v_value from warehouse.metric_definitions where metric_name = p_metric_name;
    if v_value is null then
        raise exception 'metric definition "%" is missing from warehouse.metric_definitions', p_metric_name;
    end if;
    return v_value;
end;
$$;

comment on function warehouse.metric(text) is 'The value of a rule in warehouse.metric_definitions; raises when it is missing.';

create function warehouse.lifecycle_stage(p_days_since_signup integer, p_days_since_last_login integer)
returns varchar(50)
language sql
stable
set search_path = ''
as $$
    select d.lifecycle_stage
    from warehouse.lifecycle_stage_definitions as d
    where (d.min_days_since_signup is null or p_days_since_signup >= d.min_days_since_signup)
      and (d.max_days_since_signup is null or p_days_since_signup <= d.max_days_since_signup)
      and (d.min_days_since_last_login is null or coalesce(p_days_since_last_login, p_days_since_signup) >= d.min_days_since_last_login)
      and (d.max_days_since_last_login is null or coalesce(p_days_since_last_login, p_days_since_signup) <= d.max_days_since_last_login)
    order by d.priority
    limit 1
$$;

comment on function warehouse.lifecycle_stage(integer, integer) is
    'The lifecycle stage for days since sign-up and since the last login (NULL: never logged in), by the definitions table.';

-- Definitions: life stages and care rules are data
create table warehouse.pet_life_stage_definitions (
    species varchar(20) not null,
    life_stage varchar(20) not null,
    min_age_months integer not null check (min_age_months >= 0),
    max_age_months integer,
    is_growing boolean not null default false,
    description text not null,
    primary key (species, life_stage),
    check (max_age_months is null or max_age_months >= min_age_months)
);

comment on table warehouse.pet_life_stage_definitions is
    'Pet life stage rules; one row per species and stage. A pet is in the stage whose age bounds (whole months, '
    'inclusive) hold its age; growing stages are exempt from the abnormal weight change rule.';
comment on column warehouse.pet_life_stage_definitions.species is 'dog, cat, rabbit, bird or other.';
comment on column warehouse.pet_life_stage_definitions.life_stage is 'Stage name: puppy, kitten, juvenile, adult, senior.';
comment on column warehouse.pet_life_stage_definitions.min_age_months is 'Lower bound (inclusive) on age in whole months.';
comment on column warehouse.pet_life_stage_definitions.max_age_months is 'Upper bound (inclusive) on age in whole months; NULL: none.';
comment on column warehouse.pet_life_stage_definitions.is_growing is 'The pet is still growing: fast weight gain is expected.';
comment on column warehouse.pet_life_stage_definitions.description is 'The rule in words.';

insert into warehouse.pet_life_stage_definitions (species, life_stage, min_age_months, max_age_months, is_growing, description)
values
    ('dog', 'puppy', 0, 11, true, 'Dogs under 1 year.'),
    ('dog', 'adult', 12, 83, false, 'Dogs from 1 to 6 years.'),
    ('dog', 'senior', 84, null, false, 'Dogs of 7 years and more.'),
    ('cat', 'kitten', 0, 11, true, 'Cats under 1 year.'),
    ('cat', 'adult', 12, 131, false, 'Cats from 1 to 10 years.'),
    ('cat', 'senior', 132, null, false, 'Cats of 11 years and more.'),
    ('rabbit', 'juvenile', 0, 5, true, 'Rabbits under 6 months.'),
    ('rabbit', 'adult', 6, 71, false, 'Rabbits from 6 months to 5 years.'),
    ('rabbit', 'senior', 72, null, false, 'Rabbits of 6 years and more.'),
    ('bird', 'juvenile', 0, 11, true, 'Birds under 1 year.'),
    ('bird', 'adult', 12, 119, false, 'Birds from 1 to 9 years.'),
    ('bird', 'senior', 120, null, false, 'Birds of 10 years and more.'),
    ('other', 'juvenile', 0, 11, true, 'Other pets under 1 year.'),
    ('other', 'adult', 12, 95, false, 'Other pets from 1 to 7 years.'),
    ('other', 'senior', 96, null, false, 'Other pets of 8 years and more.');

insert into warehouse.metric_definitions (metric_name, value, description)
values
    ('pet_vaccine_due_window_days', 30, 'A vaccine booster due within this many days (or overdue) needs attention.'),
    ('pet_medication_gap_lookback_days', 60,
        'A missed medication dose needs attention while its due date is at most this many days ago; older, the medication counts as stopped.'),
    ('pet_weight_change_pct', 10, 'A weight change of more than this many percent from the previous weigh-in (within pet_weight_change_window_days) is abnormal; not for growing pets.'),
    ('pet_weight_change_window_days', 30,
        'Weigh-ins compared for an abnormal change are at most this many days apart, and the latest must be within this many days of today.');

create function warehouse.pet_age_months(p_birth_date date, p_as_of date)
returns integer
language sql
immutable
parallel safe
set search_path = ''
as $$
    select ((extract(year from age(p_as_of, p_birth_date)) * 12) + extract(month from age(p_as_of, p_birth_date)))::integer
$$;

comment on function warehouse.pet_age_months(date, date) is 'Age in whole months on p_as_of of a pet born on p_birth_date; NULL when unknown.';

create function warehouse.pet_life_stage_definition(p_species text, p_age_months integer)
returns warehouse.pet_life_stage_definitions
language sql
stable
set search_path = ''
as $$
    select d.*
    from warehouse.pet_life_stage_definitions as d
    where d.species = p_species
      and p_age_months >= d.min_age_months
      and (d.max_age_months is null or p_age_months <= d.max_age_months)
    order by d.min_age_months
    limit 1
$$;

comment on function warehouse.pet_life_stage_definition(text, integer) is
    'The life stage definition that holds for a pet of a species and age in months; NULL without an age or a match.';

create function warehouse.pet_life_stage(p_species text, p_age_months integer)
returns varchar(20)
language sql
stable
set search_path = ''
as $$
    select coalesce((warehouse.pet_life_stage_definition(p_species, p_age_months)).life_stage, 'unknown')::varchar(20)
$$;

comment on function warehouse.pet_life_stage(text, integer) is
    'The life stage of a pet of a species and age in months (warehouse.pet_life_stage_definitions); unknown without an age.';

create function warehouse.pet_is_growing(p_species text, p_age_months integer)
returns boolean
language sql
stable
set search_path = ''
as $$
    select coalesce((warehouse.pet_life_stage_definition(p_species, p_age_months)).is_growing, false)
$$;

comment on function warehouse.pet_is_growing(text, integer) is
    'Whether a pet of a species and age in months is in a growing life stage (warehouse.pet_life_stage_definitions).';

-- ===============================================================================================
-- supabase/schemas/engine/publish.sql
-- ===============================================================================================

-- Write–audit–publish. All staging and mart changes of a run happen in one transaction: the models
-- run in dependency order, the quality tests of each layer run against the uncommitted result, and
-- only if no error-severity test fails is the transaction committed (published). Otherwise it is
-- rolled back: analysts keep seeing the last good state (MVCC: nothing uncommitted is ever visible),
-- the run is marked failed, the failing tests are named, and the test results are kept.

-- The transform: models, tests, publish
create function warehouse.step_json(
    p_step_name text,
    p_target text,
    p_status text,
    p_started_at timestamptz,
    p_rows_in bigint,
    p_rows_out bigint,
    p_detail jsonb default null,
    p_error text default null
)
returns jsonb
language sql
volatile
set search_path = ''
as $$
    select jsonb_build_object(
        'step_name', p_step_name, 'target', p_target, 'status', p_status, 'started_at', p_started_at,
        'finished_at', clock_timestamp(), 'rows_in', p_rows_in, 'rows_out', p_rows_out, 'detail', p_detail, 'error', p_error)
$$;

comment on function warehouse.step_json(text, text, text, timestamptz, bigint, bigint, jsonb, text) is
    'A step log entry kept in memory while the transform runs (it may be rolled back); written to pipeline_steps afterwards.';

create function warehouse.refresh_model(p_model_name text, p_run_id bigint, p_to_batch bigint)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
    v_model warehouse.models;
    v_from bigint;
    v_started_at timestamptz := clock_timestamp();
    v_result warehouse.refresh_result;
begin
    select * into strict v_model from warehouse.models where model_name = p_model_name;
    select s.last_batch_id into v_from from warehouse.model_state as s where s.model_name = p_model_name;
    v_from := coalesce(v_from, 0);
    v_result := warehouse.materialize(p_model_name, v_from, p_to_batch);
    insert into warehouse.model_state as s (model_name, last_batch_id, last_run_id, refreshed_at)
    values (p_model_name, p_to_batch, p_run_id, now())
    on conflict (model_name) do update
    set last_batch_id = excluded.last_batch_id, last_run_id = excluded.last_run_id, refreshed_at = excluded.refreshed_at;
    return warehouse.step_json('model', p_model_name, 'succeeded', v_started_at, v_result.rows_in, v_result.rows_out,
        jsonb_build_object('from_batch', v_from, 'to_batch', p_to_batch));
end;
$$;

comment on function warehouse.refresh_model(text, bigint, bigint) is
    'Applies the batches after a model''s position up to p_to_batch with its materializer, advances its position, '
    'and returns the step log entry.';

create function warehouse.clear_models_for_full_refresh()
returns integer
language plpgsql
set search_path = ''
as $$
declare
    v_model record;
    v_count integer := 0;
begin
    -- DELETE, not TRUNCATE: analysts keep reading the old rows until the rebuild commits.
    for v_model in
        select m.target_schema, m.target_table
        from warehouse.model_order() as o
        join warehouse.models as m on m.model_name = o.model_name
        order by o.depth desc, o.model_name
    loop
        execute format('delete from %I.%I', v_model.target_schema, v_model.target_table);
        v_count := v_count + 1;
    end loop;
    update warehouse.model_state set last_batch_id = 0;
    return v_count;
end;
$$;

comment on function warehouse.clear_models_for_full_refresh() is
    'Full refresh (backfill): empties every model table, downstream first, and resets every position to 0.';

create function warehouse.transform_and_publish(p_run_id bigint, p_full_refresh boolean default false)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
    v_to_batch bigint;
    v_steps jsonb := '[]';
    v_results warehouse.quality_test_results[] := '{}';
    v_layer_results warehouse.quality_test_results[];
    v_failing text[] := '{}';
    v_layer text;
    v_model text;
    v_current text;
    v_started_at timestamptz;
    v_status text := 'published';
    v_error text;
begin
    perform warehouse.ensure_pii_salt();
    select coalesce(max(b.batch_id), 0) into v_to_batch from warehouse.extract_batches as b where b.status = 'succeeded';

    begin
        if p_full_refresh then
            v_current := 'full refresh';
            perform warehouse.clear_models_for_full_refresh();
        end if;
        foreach v_layer in array array['staging', 'marts'] loop
            for v_model in select o.model_name from warehouse.model_order() as o where o.layer = v_layer order by o.depth, o.model_name loop
                v_current := v_model;
                v_steps := v_steps || warehouse.refresh_model(v_model, p_run_id, v_to_batch);
            end loop;

            v_current := v_layer || ' tests';
            v_started_at := clock_timestamp();
            select coalesce(array_agg(r order by r.model_name, r.test_name), '{}') into v_layer_results
            from warehouse.run_quality_tests(p_run_id, array(select m.model_name from warehouse.models as m where m.layer = v_layer)) as r;
            v_results := v_results || v_layer_results;
            v_failing := warehouse.failing_tests(v_layer_results);
            v_steps := v_steps || warehouse.step_json('test', v_layer,
                case when cardinality(v_failing) = 0 then 'succeeded' else 'failed' end, v_started_at,
                cardinality(v_layer_results), (select count(*) from unnest(v_layer_results) as r where r.status <> 'pass'),
                jsonb_build_object('failing_tests', v_failing,
                    'warnings', (select coalesce(jsonb_agg(r.test_name), '[]') from unnest(v_layer_results) as r where r.status = 'warn')));
            if cardinality(v_failing) > 0 then
                raise exception 'quality gate: % failed', array_to_string(v_failing, ', ') using errcode = 'PF001';
            end if;
        end loop;
    exception
        when sqlstate 'PF001' then
            v_status := 'blocked';
            v_error := sqlerrm;
        when others then
            v_status := 'failed';
            get stacked diagnostics v_error = message_text;
            v_error := format('%s failed: %s', v_current, v_error);
            v_steps := v_steps || warehouse.step_json('model', v_current, 'failed', clock_timestamp(), null, null, null, v_error);
    end;

    -- The work above is committed by the caller only if published; log what happened either way.
    insert into warehouse.pipeline_steps (run_id, step_name, target, status, started_at, finished_at, rows_in, rows_out, error, detail)
    select p_run_id, s ->> 'step_name', s ->> 'target',
        case when v_status = 'published' or s ->> 'status' = 'failed' then s ->> 'status' else 'rolled_back' end,
        (s ->> 'started_at')::timestamptz, (s ->> 'finished_at')::timestamptz,
        (s ->> 'rows_in')::bigint, (s ->> 'rows_out')::bigint, s ->> 'error', s -> 'detail'
    from jsonb_array_elements(v_steps) with ordinality as e (s, n)
    order by e.n;
    perform warehouse.record_quality_results(v_results);
    insert into warehouse.pipeline_steps (run_id, step_name, target, status, finished_at, rows_in, rows_out, error, detail)
    values (p_run_id, 'publish', 'staging, marts', case when v_status = 'published' then 'succeeded' else 'failed' end,
        clock_timestamp(), null, null, v_error,
        jsonb_build_object('to_batch', v_to_batch, 'tests', cardinality(v_results),
            'tests_failed', (select count(*) from unnest(v_results) as r where r.status in ('fail', 'error')),
            'tests_warned', (select count(*) from unnest(v_results) as r where r.status = 'warn')));

    return jsonb_build_object('status', v_status, 'failing_tests', to_jsonb(v_failing), 'error', v_error);
end;
$$;

comment on function warehouse.transform_and_publish(bigint, boolean) is
    'Write–audit–publish: runs the staging models, their tests, the mart models, their tests, all in one subtransaction; '
    'rolls it back if an error-severity test fails or a model errors, so analysts never see the result. Logs the steps '
    'and test results either way. Returns {status: published|blocked|failed, failing_tests, error}.';

create function warehouse.analyze_published_tables()
returns integer
language plpgsql
set search_path = ''
as $$
declare
    v_table record;
    v_count integer := 0;
begin
    for v_table in
        select m.target_schema as table_schema, m.target_table as table_name from warehouse.models as m
        union
        select s.raw_schema, s.raw_table from warehouse.sources as s
    loop
        execute format('analyze %I.%I', v_table.table_schema, v_table.table_name);
        v_count := v_count + 1;
    end loop;
    return v_count;
end;
$$;

comment on function warehouse.analyze_published_tables() is
    'Refreshes planner statistics of the raw and model tables after a publish: analysts'' queries plan well, and row '
    'estimates in summaries are current. Returns the number of tables analysed.';

-- ===============================================================================================
-- supabase/schemas/engine/alerts.sql
-- ===============================================================================================

-- Alerts: the warehouse tells people when it needs them.
--
-- The database never calls Slack. An event (a run finishing, a freshness breach) writes one message
-- into warehouse.alert_outbox in the same transaction that records it. The Edge Function
-- warehouse-alerts drains the outbox: it claims due messages (a lease, so two drainers never send the
-- same one), posts them, and marks them delivered, or failed with a retry time that backs off.

-- Outbox
create table warehouse.alert_outbox (
    alert_id uuid primary key default gen_random_uuid(),
    kind text not null check (kind in ('run_failed', 'run_succeeded', 'freshness_breach', 'test_warning')),
    severity text not null check (severity in ('info', 'warning', 'error')),
    run_id bigint references warehouse.pipeline_runs (run_id) on delete set null,
    title text not null,
    payload jsonb not null default '{}',
    dedupe_key text unique,
    status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error text,
    created_at timestamptz not null default now(),
    delivered_at timestamptz,
    check (status <> 'delivered' or delivered_at is not null)
);

create index alert_outbox_due_idx on warehouse.alert_outbox (next_attempt_at) where status = 'pending';

comment on table warehouse.alert_outbox is
    'Messages for Slack, one row per alert: written in the transaction of the event, delivered by the warehouse-alerts function.';
comment on column warehouse.alert_outbox.alert_id is 'Alert id; delivery is idempotent by it.';
comment on column warehouse.alert_outbox.kind is 'run_failed, run_succeeded (the daily summary), freshness_breach, test_warning.';
comment on column warehouse.alert_outbox.severity is 'info, warning or error.';
comment on column warehouse.alert_outbox.run_id is 'The pipeline run it is about, if any.';
comment on column warehouse.alert_outbox.title is 'One-line headline.';
comment on column warehouse.alert_outbox.payload is
    'Facts for the message: run id, status, failing tests with counts, warnings, freshness age, rows per layer. Never PII.';
comment on column warehouse.alert_outbox.dedupe_key is 'Alerts with the same key are one alert (e.g. one freshness breach per test per day).';
comment on column warehouse.alert_outbox.status is 'pending, delivered, or dead (gave up after max attempts).';
comment on column warehouse.alert_outbox.attempts is 'Delivery attempts so far (claims).';
comment on column warehouse.alert_outbox.next_attempt_at is 'Not claimed before this time: the lease of a claim, or the backoff after a failure.';
comment on column warehouse.alert_outbox.last_error is 'Why the last attempt failed.';
comment on column warehouse.alert_outbox.created_at is 'When the event happened.';
comment on column warehouse.alert_outbox.delivered_at is 'When Slack accepted it.';

create table warehouse.alert_settings (
    setting_name text primary key,
    value numeric not null,
    description text not null
);

comment on table warehouse.alert_settings is 'Delivery rules of the alert outbox; one row per rule.';
comment on column warehouse.alert_settings.setting_name is 'Rule name.';
comment on column warehouse.alert_settings.value is 'Its value.';
comment on column warehouse.alert_settings.description is 'What it means.';

insert into warehouse.alert_settings (setting_name, value, description)
values
    ('lease_seconds', 120, 'A claimed alert is not claimed again for this long (the drainer is posting it).'),
    ('backoff_base_seconds', 30, 'After the n-th failed attempt, wait base * 2^(n-1) seconds ...'),
    ('backoff_max_seconds', 3600, '... but never longer than this.'),
    ('max_attempts', 12, 'After this many failed attempts the alert is dead (and stays visible in the outbox).');

create function warehouse.alert_setting(p_setting_name text)
returns numeric
language sql
stable
set search_path = ''
as $$
    select value from warehouse.alert_settings where setting_name = p_setting_name
$$;

comment on function warehouse.alert_setting(text) is 'The value of a rule in warehouse.alert_settings.';

create function warehouse.enqueue_alert(
    p_kind text,
    p_severity text,
    p_title text,
    p_payload jsonb,
    p_run_id bigint default null,
    p_dedupe_key text default null
)
returns uuid
language sql
set search_path = ''
as $$
    insert into warehouse.alert_outbox (kind, severity, title, payload, run_id, dedupe_key)
    values (p_kind, p_severity, p_title, p_payload, p_run_id, p_dedupe_key)
    on conflict (dedupe_key) do nothing
    returning alert_id
$$;

comment on function warehouse.enqueue_alert(text, text, text, jsonb, bigint, text) is
    'Puts one message into the outbox (in the caller''s transaction). With a dedupe key already used, does nothing and returns NULL.';

create function warehouse.claim_alerts(p_limit integer default 20)
returns setof warehouse.alert_outbox
language sql
set search_path = ''
as $$
    update warehouse.alert_outbox as a
    set attempts = a.attempts + 1,
        next_attempt_at = now() + make_interval(secs => warehouse.alert_setting('lease_seconds'))
    where a.alert_id in (
        select o.alert_id
        from warehouse.alert_outbox as o
        where o.status = 'pending' and o.next_attempt_at <= now()
        order by o.created_at
        limit p_limit
        for update skip locked
    )
    returning a.*
$$;

comment on function warehouse.claim_alerts(integer) is
    'Claims up to p_limit due pending alerts for delivery, oldest first: counts the attempt and leases them, so a '
    'concurrent drainer skips them. Deliver, then call mark_alert_delivered or mark_alert_failed.';

create function warehouse.mark_alert_delivered(p_alert_id uuid)
returns boolean
language sql
set search_path = ''
as $$
    update warehouse.alert_outbox
    set status = 'delivered', delivered_at = now(), last_error = null
    where alert_id = p_alert_id and status = 'pending'
    returning true
$$;

comment on function warehouse.mark_alert_delivered(uuid) is 'Marks an alert delivered; false (NULL) if it was not pending.';

create function warehouse.mark_alert_failed(p_alert_id uuid, p_error text)
returns warehouse.alert_outbox
language sql
set search_path = ''
as $$
    update warehouse.alert_outbox as a
    set last_error = left(p_error, 1000),
        status = case when a.attempts >= warehouse.alert_setting('max_attempts') then 'dead' else 'pending' end,
        next_attempt_at = now() + make_interval(secs => least(
            warehouse.alert_setting('backoff_base_seconds') * power(2, greatest(a.attempts - 1, 0)),
            warehouse.alert_setting('backoff_max_seconds')))
    where a.alert_id = p_alert_id and a.status = 'pending'
    returning a.*
$$;

comment on function warehouse.mark_alert_failed(uuid, text) is
    'Records a failed delivery: retry after base * 2^(attempts-1) seconds (capped), or dead after max_attempts.';

-- What enqueues alerts
create function warehouse.layer_row_counts()
returns jsonb
language sql
stable
set search_path = ''
as $$
    select jsonb_object_agg(n.nspname, coalesce(s.total, 0))
    from (values ('raw'), ('staging'), ('marts')) as n (nspname)
    left join (
        select c.relnamespace::regnamespace::text as nspname, sum(greatest(c.reltuples, 0))::bigint as total
        from pg_catalog.pg_class as c
        where c.relnamespace::regnamespace::text in ('raw', 'staging', 'marts') and c.relkind = 'r'
        group by 1
    ) as s on s.nspname = n.nspname
$$;

comment on function warehouse.layer_row_counts() is 'Approximate rows per layer (planner statistics, no scans), for summaries.';

create function warehouse.run_alert_payload(p_run_id bigint)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select jsonb_build_object(
        'run_id', r.run_id,
        'status', r.status,
        'full_refresh', r.full_refresh,
        'started_at', r.started_at,
        'finished_at', r.finished_at,
        'error', r.error,
        'failing_tests', coalesce((
            select jsonb_agg(jsonb_build_object('test_name', q.test_name, 'model_name', q.model_name,
                'failing_rows', q.failing_rows, 'message', q.message) order by q.test_name)
            from warehouse.quality_test_results as q
            where q.run_id = r.run_id and q.status in ('fail', 'error') and q.severity = 'error'), '[]'),
        'warnings', coalesce((
            select jsonb_agg(jsonb_build_object('test_name', q.test_name, 'failing_rows', q.failing_rows, 'message', q.message)
                order by q.test_name)
            from warehouse.quality_test_results as q
            where q.run_id = r.run_id and q.status = 'warn'), '[]'),
        'tests_run', (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id),
        'failed_steps', coalesce((
            select jsonb_agg(jsonb_build_object('step', s.step_name, 'target', s.target, 'error', s.error) order by s.step_id)
            from warehouse.pipeline_steps as s where s.run_id = r.run_id and s.status = 'failed'), '[]'),
        'rows_per_layer', warehouse.layer_row_counts()
    )
    from warehouse.pipeline_runs as r
    where r.run_id = p_run_id
$$;

comment on function warehouse.run_alert_payload(bigint) is 'The facts of a run for its alert: status, failing tests with counts, warnings, failed steps, rows per layer.';

create function warehouse.enqueue_run_alert()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
    v_payload jsonb := warehouse.run_alert_payload(new.run_id);
begin
    if new.status = 'failed' then
        perform warehouse.enqueue_alert('run_failed', 'error',
            format('Warehouse run %s failed', new.run_id), v_payload, new.run_id, format('run:%s', new.run_id));
    elsif new.status = 'succeeded' then
        perform warehouse.enqueue_alert('run_succeeded',
            case when jsonb_array_length(v_payload -> 'warnings') > 0 then 'warning' else 'info' end,
            format('Warehouse run %s succeeded', new.run_id), v_payload, new.run_id, format('run:%s', new.run_id));
    end if;
    return null;
end;
$$;

comment on function warehouse.enqueue_run_alert() is
    'Trigger: when a run finishes, one alert in the same transaction — run_failed (naming the failing tests) or '
    'run_succeeded (the daily summary, listing warnings).';

create trigger pipeline_runs_enqueue_alert
    after update of status on warehouse.pipeline_runs
    for each row
    when (old.status = 'running' and new.status in ('succeeded', 'failed'))
    execute function warehouse.enqueue_run_alert();

-- ===============================================================================================
-- supabase/schemas/engine/schedules.sql
-- ===============================================================================================

-- Schedules: the warehouse runs itself. pg_cron jobs, named as they appear on the Supabase
-- dashboard's Cron page (scheduled by engine/finish.sql, last in the tree):
--   petforce-warehouse-daily-pipeline     06:00 UTC   call warehouse.run_pipeline()
--   petforce-warehouse-hourly-freshness   every hour  select warehouse.check_freshness()
--   petforce-warehouse-monthly-partitions 1st, 03:00  the partition-maintenance function (pg_net), else SQL upkeep
--   petforce-warehouse-alerts-drain       every 5 min the warehouse-alerts function (pg_net only)

create function warehouse.check_freshness()
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
    v_results warehouse.quality_test_results[];
    v_breaches jsonb;
begin
    select coalesce(array_agg(r), '{}') into v_results
    from warehouse.run_quality_tests(null, null) as r
    where r.kind = 'freshness';
    perform warehouse.record_quality_results(v_results);
    select jsonb_agg(jsonb_build_object('test_name', r.test_name, 'status', r.status, 'message', r.message) order by r.test_name)
    into v_breaches
    from unnest(v_results) as r
    where r.status <> 'pass';
    if v_breaches is not null then
        perform warehouse.enqueue_alert('freshness_breach',
            case when exists (select 1 from unnest(v_results) as r where r.status in ('fail', 'error')) then 'error' else 'warning' end,
            'Warehouse data is stale', jsonb_build_object('breaches', v_breaches), null,
            format('freshness:%s', to_char(now() at time zone 'UTC', 'YYYY-MM-DD')));
    end if;
    return jsonb_build_object('tests', cardinality(v_results), 'breaches', coalesce(v_breaches, '[]'));
end;
$$;

comment on function warehouse.check_freshness() is
    'The hourly freshness check: runs every freshness test, records the results, and on a breach enqueues one alert '
    '(at most one per UTC day). Returns the tests run and the breaches.';

-- The quality-test runner evaluates only the tests it is asked for; freshness tests of every model
-- are selected by kind above, so the planner work stays small.

-- Schedules
create view warehouse.scheduled_runs as
select
    j.jobname,
    d.runid as cron_run_id,
    d.status as cron_status,
    d.start_time as cron_started_at,
    d.end_time as cron_finished_at,
    r.run_id,
    r.status as run_status,
    r.origin
from cron.job_run_details as d
join cron.job as j on j.jobid = d.jobid
left join warehouse.pipeline_runs as r
    on r.origin = 'pg_cron'
   and r.started_at >= d.start_time
   and (d.end_time is null or r.started_at <= d.end_time)
where j.jobname like 'petforce-warehouse-%';

comment on view warehouse.scheduled_runs is
    'One row per pg_cron execution of a warehouse job, matched to the pipeline run it started (if it is the pipeline job): '
    'where cron.job_run_details and the pipeline''s own log agree on what ran.';
comment on column warehouse.scheduled_runs.jobname is 'The cron job.';
comment on column warehouse.scheduled_runs.cron_run_id is 'cron.job_run_details.runid.';
comment on column warehouse.scheduled_runs.cron_status is 'What pg_cron recorded (succeeded, failed, running).';
comment on column warehouse.scheduled_runs.cron_started_at is 'When pg_cron started it.';
comment on column warehouse.scheduled_runs.cron_finished_at is 'When pg_cron saw it end.';
comment on column warehouse.scheduled_runs.run_id is 'The pipeline run it started, if any.';
comment on column warehouse.scheduled_runs.run_status is 'What the pipeline recorded.';
comment on column warehouse.scheduled_runs.origin is 'pg_cron when the run was started by the job.';

create function warehouse.has_pg_net()
returns boolean
language sql
stable
set search_path = ''
as $$
    select to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is not null
$$;

comment on function warehouse.has_pg_net() is 'Whether pg_net is installed (on Supabase), so cron can call Edge Functions.';

create function warehouse.function_call_sql(p_function_name text)
returns text
language sql
immutable
set search_path = ''
as $$
    select format(
        $f$select net.http_post(
    url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/%s',
    headers := jsonb_build_object(
        'content-type', 'application/json',
        'x-warehouse-secret', (select decrypted_secret from vault.decrypted_secrets where name = 'warehouse_function_secret')),
    body := '{}'::jsonb,
    timeout_milliseconds := 60000
) as request_id$f$, p_function_name)
$$;

comment on function warehouse.function_call_sql(text) is
    'The SQL a cron job runs to call an Edge Function, as Supabase documents it: pg_net, with the project URL and the '
    'shared secret read from Vault (secrets project_url and warehouse_function_secret).';

create function warehouse.schedule_job(p_job_name text, p_schedule text, p_command text)
returns bigint
language plpgsql
set search_path = ''
as $$
begin
    if exists (select 1 from cron.job where jobname = p_job_name) then
        perform cron.unschedule(p_job_name);
    end if;
    return cron.schedule(p_job_name, p_schedule, p_command);
end;
$$;

comment on function warehouse.schedule_job(text, text, text) is 'Idempotent pg_cron scheduling: unschedules a job of that name, then schedules it.';

create function warehouse.schedule_jobs()
returns setof text
language plpgsql
set search_path = ''
as $$
begin
    perform warehouse.schedule_job('petforce-warehouse-daily-pipeline', '0 6 * * *', 'call warehouse.run_pipeline()');
    return next 'petforce-warehouse-daily-pipeline';
    perform warehouse.schedule_job('petforce-warehouse-hourly-freshness', '0 * * * *', 'select warehouse.check_freshness()');
    return next 'petforce-warehouse-hourly-freshness';
    if warehouse.has_pg_net() then
        perform warehouse.schedule_job('petforce-warehouse-monthly-partitions', '0 3 1 * *',
            warehouse.function_call_sql('partition-maintenance'));
        return next 'petforce-warehouse-monthly-partitions';
        perform warehouse.schedule_job('petforce-warehouse-alerts-drain', '*/5 * * * *',
            warehouse.function_call_sql('warehouse-alerts'));
        return next 'petforce-warehouse-alerts-drain';
    else
        -- Without pg_net the partition upkeep still runs, in SQL; retention and archiving need the
        -- function (npm run functions, then npm run invoke -- partition-maintenance).
        perform warehouse.schedule_job('petforce-warehouse-monthly-partitions', '0 3 1 * *',
            'select count(*) from warehouse.ensure_partitions()');
        return next 'petforce-warehouse-monthly-partitions';
        raise notice 'pg_net is not installed: petforce-warehouse-monthly-partitions runs the SQL partition upkeep only '
            '(no retention or archiving), and petforce-warehouse-alerts-drain is not scheduled. Serve the functions with '
            '`npm run functions` and call them with `npm run invoke -- <function>`.';
        if exists (select 1 from cron.job where jobname = 'petforce-warehouse-alerts-drain') then
            perform cron.unschedule('petforce-warehouse-alerts-drain');
        end if;
    end if;
end;
$$;

comment on function warehouse.schedule_jobs() is
    'Defines the warehouse''s pg_cron jobs (idempotent). With pg_net (Supabase) the monthly partition job and the alert '
    'drain call Edge Functions; without it the partition job runs the SQL upkeep and the drain is skipped with a NOTICE.';

-- ===============================================================================================
-- supabase/schemas/engine/retention.sql
-- ===============================================================================================

-- Retention: how long each layer keeps its history, and the only way old data leaves the warehouse.
--
-- The periods are the seed's (raw 2 years, staging 3, marts 5) and they are data, one row per table
-- in warehouse.retention_policies. Partitioned raw tables lose whole monthly partitions; staging and
-- mart tables lose rows, set-based.
--
-- A raw partition is never dropped unarchived. The Edge Function partition-maintenance exports a due
-- partition (warehouse.partitions_due_for_retention) as compressed CSV to Storage or a local folder,
-- reads the object back and checks its row count and SHA-256, and only then calls
-- warehouse.drop_archived_partition, which locks the partition, recounts it, refuses on any mismatch,
-- records the evidence in warehouse.partition_archives and drops it, all in one transaction.
--
-- Cut-off. "Keep N months" keeps the current month and the N months before it: data dated before
-- date_trunc('month', as_of) - N months goes. A partition is due when its whole range ends on or
-- before that cut-off; a row is due when its date column is before it (UTC for timestamptz columns).
--
-- Retention never overlaps a pipeline run: the functions that delete take the pipeline's advisory
-- lock (warehouse.pipeline_lock_key) for their transaction and say so when it is taken. Retention
-- never runs as of a future date (that would delete data still inside its period).

-- Policies
create table warehouse.retention_policies (
    table_schema text not null,
    table_name text not null,
    layer text not null check (layer in ('raw', 'staging', 'marts')),
    retain_months integer not null check (retain_months between 1 and 1200),
    method text not null check (method in ('drop_partitions', 'delete_rows')),
    date_column text not null,
    description text not null,
    primary key (table_schema, table_name),
    check (layer = table_schema)
);

comment on table warehouse.retention_policies is
    'Retention periods, one row per table that loses old data (the seed: raw 2 years, staging 3, marts 5). '
    'Current-state tables have no row here and keep every row for as long as the key exists: '
    'staging.stg_supabase_users and marts.marts_core_dim_users (one row per user, not history).';
comment on column warehouse.retention_policies.table_schema is 'Schema of the table.';
comment on column warehouse.retention_policies.table_name is 'The table (for drop_partitions: the partitioned parent).';
comment on column warehouse.retention_policies.layer is 'raw, staging or marts: the layer whose period applies (equal to the schema).';
comment on column warehouse.retention_policies.retain_months is
    'Months kept before the current month: data dated before date_trunc(''month'', as_of) - retain_months goes.';
comment on column warehouse.retention_policies.method is
    'drop_partitions: whole monthly partitions are archived, verified and dropped (partition-maintenance); '
    'delete_rows: old rows are deleted in place (warehouse.apply_row_retention).';
comment on column warehouse.retention_policies.date_column is
    'The date or timestamptz column that dates a row; for drop_partitions the partition key (the bounds decide).';
comment on column warehouse.retention_policies.description is 'Why the table keeps what it keeps.';

-- Archive evidence
create table warehouse.partition_archives (
    archive_id bigint generated always as identity primary key,
    table_schema text not null,
    parent_table text not null,
    partition_name text not null,
    range_start date not null,
    range_end date not null,
    row_count bigint not null check (row_count >= 0),
    checksum_sha256 text not null check (checksum_sha256 ~ '^[0-9a-f]{64}$'),
    location text not null check (btrim(location) <> ''),
    archived_at timestamptz not null default now(),
    dropped_at timestamptz not null default clock_timestamp(),
    check (range_end > range_start)
);

create index partition_archives_partition_idx on warehouse.partition_archives (table_schema, partition_name);

comment on table warehouse.partition_archives is
    'Evidence for every partition dropped by retention: one row per dropped partition, written in the transaction '
    'that dropped it (warehouse.drop_archived_partition), so a drop without its row cannot exist.';
comment on column warehouse.partition_archives.archive_id is 'Archive id.';
comment on column warehouse.partition_archives.table_schema is 'Schema of the partition and its parent.';
comment on column warehouse.partition_archives.parent_table is 'The partitioned parent table (raw_supabase_users).';
comment on column warehouse.partition_archives.partition_name is 'The dropped partition (raw_supabase_users_2024_01).';
comment on column warehouse.partition_archives.range_start is 'First day of the partition''s range (inclusive).';
comment on column warehouse.partition_archives.range_end is 'End of the partition''s range (exclusive).';
comment on column warehouse.partition_archives.row_count is
    'Data rows in the archive, verified against a recount of the locked partition just before the drop.';
comment on column warehouse.partition_archives.checksum_sha256 is
    'SHA-256 (hex) of the uncompressed CSV (with header) in the archive, verified by reading the object back.';
comment on column warehouse.partition_archives.location is
    'Where the archive is: storage://<bucket>/<schema>/<parent>/<partition>.csv.gz or file://<absolute path>.';
comment on column warehouse.partition_archives.archived_at is 'When the verified archive was recorded (start of the dropping transaction).';
comment on column warehouse.partition_archives.dropped_at is 'When the partition was dropped.';

-- Helpers
create function warehouse.retention_cutoff(p_retain_months integer, p_as_of date default current_date)
returns date
language sql
immutable
set search_path = ''
as $$
    select (date_trunc('month', p_as_of) - make_interval(months => p_retain_months))::date
$$;

comment on function warehouse.retention_cutoff(integer, date) is
    'The first day retention keeps: the first of p_as_of''s month minus p_retain_months months. Data dated before it goes.';

create function warehouse.take_retention_lock()
returns void
language plpgsql
set search_path = ''
as $$
begin
    if not pg_catalog.pg_try_advisory_xact_lock(warehouse.pipeline_lock_key()) then
        raise exception 'retention refused: a pipeline run or another partition-maintenance run holds the warehouse lock'
            using errcode = 'lock_not_available',
                  hint = 'Try again when warehouse.pipeline_runs shows no run in progress.';
    end if;
end;
$$;

comment on function warehouse.take_retention_lock() is
    'Takes the pipeline''s advisory lock for the current transaction (re-entrant in a session that already holds it), '
    'or raises: retention never overlaps a pipeline run.';

create function warehouse.refuse_future_as_of(p_as_of date)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
    if p_as_of is null or p_as_of > current_date then
        raise exception 'retention refused: as_of % is after today (%); that would delete data still inside its period',
            coalesce(p_as_of::text, 'NULL'), current_date
            using errcode = 'invalid_parameter_value';
    end if;
end;
$$;

comment on function warehouse.refuse_future_as_of(date) is 'Raises unless p_as_of is today or earlier: retention never runs as of a future date.';

create function warehouse.row_retention_predicate(p_table_schema text, p_table_name text, p_date_column text, p_cutoff date)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
    v_type text;
begin
    select pg_catalog.format_type(a.atttypid, a.atttypmod) into v_type
    from pg_catalog.pg_attribute as a
    where a.attrelid = pg_catalog.to_regclass(format('%I.%I', p_table_schema, p_table_name))
      and a.attname = p_date_column
      and a.attnum > 0
      and not a.attisdropped;
    if v_type is null then
        raise exception 'retention policy of %.%: date column "%" does not exist', p_table_schema, p_table_name, p_date_column;
    end if;
    if v_type = 'date' then
        return format('%I < %L::date', p_date_column, p_cutoff);
    elsif v_type = 'timestamp with time zone' then
        return format('%I < (%L::timestamp at time zone %L)', p_date_column, p_cutoff, 'UTC');
    elsif v_type = 'timestamp without time zone' then
        return format('%I < %L::timestamp', p_date_column, p_cutoff);
    end if;
    raise exception 'retention policy of %.%: date column "%" is %, not a date or timestamp', p_table_schema, p_table_name, p_date_column, v_type;
end;
$$;

comment on function warehouse.row_retention_predicate(text, text, text, date) is
    'The WHERE predicate selecting a table''s rows dated before p_cutoff (UTC midnight for timestamptz columns), built '
    'with format(%I/%L); raises if the column is missing or not a date or timestamp.';

-- Partitions due for retention
create function warehouse.retention_partition_ranges(p_as_of date default current_date)
returns table (
    table_schema text,
    parent_table text,
    partition_name text,
    range_start date,
    range_end date,
    is_due boolean
)
language sql
stable
set search_path = ''
as $$
    with children as (
        select p.table_schema,
               p.table_name as parent_table,
               c.relname::text as partition_name,
               pg_catalog.regexp_match(
                   pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                   '^FOR VALUES FROM \(''([^'']+)''\) TO \(''([^'']+)''\)$') as bounds,
               warehouse.retention_cutoff(p.retain_months, p_as_of) as cutoff
        from warehouse.retention_policies as p
        join pg_catalog.pg_inherits as i
            on i.inhparent = pg_catalog.to_regclass(format('%I.%I', p.table_schema, p.table_name))
        join pg_catalog.pg_class as c on c.oid = i.inhrelid
        where p.method = 'drop_partitions'
          and c.relispartition
    ),
    ranges as (
        -- a DEFAULT partition's bound is 'DEFAULT': it does not match, so it is never listed
        select ch.table_schema, ch.parent_table, ch.partition_name,
               ch.bounds[1]::date as range_start, ch.bounds[2]::date as range_end, ch.cutoff
        from children as ch
        where ch.bounds is not null
    ),
    final as (
        select r.table_schema, r.parent_table, r.partition_name, r.range_start, r.range_end,
               r.range_end <= r.cutoff as is_due
        from ranges as r
        where r.range_start = date_trunc('month', r.range_start)::date
          and r.range_end = (r.range_start + interval '1 month')::date
    )
    select * from final
    order by table_schema, parent_table, range_start
$$;

comment on function warehouse.retention_partition_ranges(date) is
    'Every monthly partition (never DEFAULT) of the drop_partitions tables of warehouse.retention_policies, with its range '
    'read from the catalog bounds (pg_get_expr(relpartbound)) and whether it is due: its whole range ends on or before '
    'the retention cut-off as of p_as_of. Catalog reads only, no row counts.';

create function warehouse.partitions_due_for_retention(p_as_of date default current_date)
returns table (
    table_schema text,
    parent_table text,
    partition_name text,
    range_start date,
    range_end date,
    row_count bigint
)
language plpgsql
stable
set search_path = ''
as $$
declare
    v_partition record;
begin
    for v_partition in
        select r.table_schema, r.parent_table, r.partition_name, r.range_start, r.range_end
        from warehouse.retention_partition_ranges(p_as_of) as r
        where r.is_due
    loop
        table_schema := v_partition.table_schema;
        parent_table := v_partition.parent_table;
        partition_name := v_partition.partition_name;
        range_start := v_partition.range_start;
        range_end := v_partition.range_end;
        execute format('select count(*) from %I.%I', v_partition.table_schema, v_partition.partition_name) into row_count;
        return next;
    end loop;
end;
$$;

comment on function warehouse.partitions_due_for_retention(date) is
    'Monthly partitions (never DEFAULT) of the drop_partitions tables of warehouse.retention_policies whose whole range, '
    'read from the catalog bounds, ends on or before the retention cut-off as of p_as_of (data dated before '
    'date_trunc(''month'', p_as_of) - retain_months); with their current row count. Reads only: partition-maintenance '
    'archives each one, then calls warehouse.drop_archived_partition.';

-- The only retention drop
create function warehouse.drop_archived_partition(
    p_table_schema text,
    p_partition_name text,
    p_row_count bigint,
    p_checksum_sha256 text,
    p_location text
)
returns bigint
language plpgsql
set search_path = ''
set lock_timeout = '30s'
as $$
declare
    v_due record;
    v_count bigint;
    v_archive_id bigint;
begin
    if p_checksum_sha256 is null or p_checksum_sha256 !~ '^[0-9a-f]{64}$' then
        raise exception 'refusing to drop %.%: the archive checksum must be a SHA-256 in lowercase hex, got "%"',
            p_table_schema, p_partition_name, coalesce(p_checksum_sha256, '')
            using errcode = 'invalid_parameter_value';
    end if;
    if p_location is null or btrim(p_location) = '' then
        raise exception 'refusing to drop %.%: the archive location is empty', p_table_schema, p_partition_name
            using errcode = 'invalid_parameter_value';
    end if;
    if p_row_count is null or p_row_count < 0 then
        raise exception 'refusing to drop %.%: the archive row count must be a number of rows, got %',
            p_table_schema, p_partition_name, coalesce(p_row_count::text, 'NULL')
            using errcode = 'invalid_parameter_value';
    end if;

    perform warehouse.take_retention_lock();

    -- Only a monthly partition of a drop_partitions table, past its retention today, can go.
    select d.table_schema, d.parent_table, d.partition_name, d.range_start, d.range_end
    into v_due
    from warehouse.retention_partition_ranges(current_date) as d
    where d.table_schema = p_table_schema and d.partition_name = p_partition_name and d.is_due;
    if not found then
        raise exception 'refusing to drop %.%: it is not a monthly partition due for retention today', p_table_schema, p_partition_name
            using errcode = 'invalid_parameter_value',
                  hint = 'See warehouse.partitions_due_for_retention() and warehouse.retention_policies.';
    end if;

    -- Parent first (ONLY: not every partition), then the partition: the order readers lock in.
    execute format('lock table only %I.%I in access exclusive mode', v_due.table_schema, v_due.parent_table);
    execute format('lock table %I.%I in access exclusive mode', v_due.table_schema, v_due.partition_name);
    execute format('select count(*) from %I.%I', v_due.table_schema, v_due.partition_name) into v_count;
    if v_count <> p_row_count then
        raise exception 'refusing to drop %.%: it has % rows, the archive has %; nothing was dropped',
            p_table_schema, p_partition_name, v_count, p_row_count
            using errcode = 'data_exception',
                  hint = 'Archive the partition again: the archive does not hold what the partition holds.';
    end if;

    -- Detaching and dropping a partition fire no row triggers, so raw's append-only guard is not
    -- involved and warehouse.raw_write is not set.
    execute format('alter table %I.%I detach partition %I.%I',
        v_due.table_schema, v_due.parent_table, v_due.table_schema, v_due.partition_name);
    execute format('drop table %I.%I', v_due.table_schema, v_due.partition_name);

    insert into warehouse.partition_archives (
        table_schema, parent_table, partition_name, range_start, range_end, row_count, checksum_sha256, location, dropped_at
    )
    values (
        v_due.table_schema, v_due.parent_table, v_due.partition_name, v_due.range_start, v_due.range_end,
        v_count, p_checksum_sha256, p_location, clock_timestamp()
    )
    returning archive_id into v_archive_id;

    return v_archive_id;
end;
$$;

comment on function warehouse.drop_archived_partition(text, text, bigint, text, text) is
    'The only way retention drops a partition, called by partition-maintenance once the archive is written and verified. '
    'Refuses (drops nothing) unless the checksum is a hex SHA-256, the location is set, the partition is due for retention '
    'today and, under an ACCESS EXCLUSIVE lock, it holds exactly p_row_count rows. Then records the evidence in '
    'warehouse.partition_archives, detaches and drops the partition, in one transaction. Returns the archive_id.';

-- Row retention (staging and marts)
create function warehouse.rows_due_for_retention(p_as_of date default current_date)
returns table (table_name text, row_count bigint)
language plpgsql
stable
set search_path = ''
as $$
declare
    v_policy record;
begin
    for v_policy in
        select p.table_schema, p.table_name, p.date_column, warehouse.retention_cutoff(p.retain_months, p_as_of) as cutoff
        from warehouse.retention_policies as p
        where p.method = 'delete_rows'
        order by p.table_schema, p.table_name
    loop
        table_name := v_policy.table_schema || '.' || v_policy.table_name;
        execute format('select count(*) from %I.%I where %s', v_policy.table_schema, v_policy.table_name,
            warehouse.row_retention_predicate(v_policy.table_schema, v_policy.table_name, v_policy.date_column, v_policy.cutoff))
            into row_count;
        return next;
    end loop;
end;
$$;

comment on function warehouse.rows_due_for_retention(date) is
    'What warehouse.apply_row_retention(p_as_of) would delete, without deleting: one row per delete_rows policy, '
    'with the schema-qualified table name and its rows dated before the cut-off. For dry runs.';

create function warehouse.apply_row_retention(p_as_of date default current_date)
returns table (table_name text, rows_deleted bigint)
language plpgsql
set search_path = ''
as $$
declare
    v_policy record;
begin
    perform warehouse.refuse_future_as_of(p_as_of);
    perform warehouse.take_retention_lock();
    for v_policy in
        select p.table_schema, p.table_name, p.layer, p.date_column, warehouse.retention_cutoff(p.retain_months, p_as_of) as cutoff
        from warehouse.retention_policies as p
        where p.method = 'delete_rows'
        order by p.table_schema, p.table_name
    loop
        table_name := v_policy.table_schema || '.' || v_policy.table_name;
        if v_policy.layer = 'raw' then
            perform set_config('warehouse.raw_write', 'retention', true);
        end if;
        execute format('delete from %I.%I where %s', v_policy.table_schema, v_policy.table_name,
            warehouse.row_retention_predicate(v_policy.table_schema, v_policy.table_name, v_policy.date_column, v_policy.cutoff));
        get diagnostics rows_deleted = row_count;
        if v_policy.layer = 'raw' then
            perform set_config('warehouse.raw_write', '', true);
        end if;
        return next;
    end loop;
end;
$$;

comment on function warehouse.apply_row_retention(date) is
    'Row retention for the delete_rows policies of warehouse.retention_policies: one set-based DELETE per table of the '
    'rows dated before its cut-off as of p_as_of (never a future date), under the pipeline''s advisory lock (a raw table '
    'would be deleted from under warehouse.raw_write = retention). Returns the schema-qualified table and rows deleted.';

-- ===============================================================================================
-- supabase/schemas/engine/audit_log.sql
-- ===============================================================================================

-- Audit logging (the seed's "Audit Logging"): who queried the warehouse.
--
--   1. pgaudit OBJECT auditing. warehouse_auditor (nologin, granted to nobody) holds SELECT on every
--      table of raw, staging and marts, now and later (default privileges). With pgaudit.role set to
--      it, PostgreSQL logs an "AUDIT: OBJECT,..." line for every statement that reads one of those
--      tables, whoever runs it. audit.configure_object_audit() sets pgaudit.role for the database;
--      where that is refused (Supabase: only superusers may, and the postgres role is not one) it
--      sets it per login role and says what is left to do.
--   2. The log lines reach the audit-ingest Edge Function (a Supabase log drain, or the jsonlog file
--      of a local cluster), which parses them and calls audit.ingest_statements.
--   3. audit.warehouse_audit_logs keeps one row per statement, insert-only for every role.
--
-- pgaudit.log_rows is deliberately left off: with it on, pgaudit logs at executor end, so a statement
-- that read a table and then failed (error-based exfiltration) would not be logged at all.
create extension if not exists pgaudit with schema extensions;

-- The audit log
create table audit.warehouse_audit_logs (
    id uuid primary key default gen_random_uuid(),
    user_id uuid,
    user_email varchar(255),
    role_name text not null,
    database_name text,
    application_name text,
    session_id text,
    statement_id bigint,
    substatement_id bigint,
    command text,
    audit_class text,
    query_text text not null,
    tables_accessed text[],
    rows_returned bigint check (rows_returned >= 0),
    executed_at timestamptz default now(),
    execution_time_ms integer check (execution_time_ms >= 0),
    log_time timestamptz,
    source text not null default 'pgaudit',
    ingested_at timestamptz not null default now(),
    constraint warehouse_audit_logs_statement_key unique (session_id, statement_id, substatement_id),
    constraint warehouse_audit_logs_pgaudit_has_key check (
        source <> 'pgaudit' or (session_id is not null and statement_id is not null and substatement_id is not null)
    )
);

create index warehouse_audit_logs_executed_at_brin on audit.warehouse_audit_logs using brin (executed_at);

comment on table audit.warehouse_audit_logs is
    'Who queried the warehouse. Grain: one row per statement (per pgaudit statement and sub-statement of a database '
    'session) that touched a table of raw, staging, marts, audit or warehouse; pgaudit''s one-line-per-relation output '
    'is merged into tables_accessed. Filled by audit.ingest_statements (the audit-ingest Edge Function). Insert-only '
    'for every role: a trigger refuses UPDATE, DELETE and TRUNCATE and no role holds those privileges.';
comment on column audit.warehouse_audit_logs.id is 'Row id.';
comment on column audit.warehouse_audit_logs.user_id is
    'App user (public.users.id) behind the statement. NULL for pgaudit rows: warehouse readers are database roles, '
    'not app users (see role_name). Kept from the seed for statements logged by an application layer.';
comment on column audit.warehouse_audit_logs.user_email is
    'App user''s email. NULL for pgaudit rows, for the same reason as user_id; the warehouse never stores it for them.';
comment on column audit.warehouse_audit_logs.role_name is
    'The database role that ran the statement: the session''s login (the log record''s user), e.g. an analyst''s login, '
    'not the group role (analyst_role) it reads through.';
comment on column audit.warehouse_audit_logs.database_name is 'Database the session was connected to.';
comment on column audit.warehouse_audit_logs.application_name is 'The client''s application_name (psql, Metabase, ...), as the client set it.';
comment on column audit.warehouse_audit_logs.session_id is 'PostgreSQL session id of the backend (%c: start time and pid, hex).';
comment on column audit.warehouse_audit_logs.statement_id is 'pgaudit STATEMENT_ID: sequential per session.';
comment on column audit.warehouse_audit_logs.substatement_id is 'pgaudit SUBSTATEMENT_ID: sequential within the statement (a query inside a called function).';
comment on column audit.warehouse_audit_logs.command is 'pgaudit COMMAND: SELECT, INSERT, UPDATE, DELETE, ...';
comment on column audit.warehouse_audit_logs.audit_class is 'pgaudit CLASS: READ, WRITE, ...';
comment on column audit.warehouse_audit_logs.query_text is
    'The statement text as pgaudit logged it (the whole query string; parameters are not logged). '
    '''<not logged>'' when pgaudit.log_statement is off.';
comment on column audit.warehouse_audit_logs.tables_accessed is
    'The warehouse relations pgaudit logged for this statement (one log line each, merged here), schema-qualified '
    '(marts.marts_core_dim_users), in log order.';
comment on column audit.warehouse_audit_logs.rows_returned is
    'Rows retrieved or affected, when pgaudit.log_rows is on; NULL otherwise (it is off: see the migration header).';
comment on column audit.warehouse_audit_logs.executed_at is
    'When the statement ran: the log time of its first audit line (pgaudit logs as execution starts).';
comment on column audit.warehouse_audit_logs.execution_time_ms is
    'Milliseconds the statement took, from PostgreSQL''s log_min_duration_statement lines for the same text in the same '
    'session (bind + execute for the extended protocol). NULL when PostgreSQL did not log one (the default).';
comment on column audit.warehouse_audit_logs.log_time is 'When PostgreSQL logged the first audit line of the statement.';
comment on column audit.warehouse_audit_logs.source is 'Where the row came from: pgaudit (the audit-ingest function).';
comment on column audit.warehouse_audit_logs.ingested_at is 'When the row was written here.';

-- Insert-only, for everyone: no sanctioned exception (compare warehouse.refuse_raw_change).
create function audit.refuse_audit_log_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    raise exception 'the audit log is insert-only: % on %.% is refused', tg_op, tg_table_schema, tg_table_name
        using errcode = 'insufficient_privilege',
              hint = 'Audit rows are never changed or removed, by any role.';
end;
$$;

comment on function audit.refuse_audit_log_change() is
    'Trigger: refuses every UPDATE, DELETE and TRUNCATE on the audit log, for every role, the owner and superusers included.';

create trigger warehouse_audit_logs_insert_only
    before update or delete on audit.warehouse_audit_logs
    for each row execute function audit.refuse_audit_log_change();
create trigger warehouse_audit_logs_insert_only_truncate
    before truncate on audit.warehouse_audit_logs
    for each statement execute function audit.refuse_audit_log_change();

-- ENABLE ALWAYS: the triggers fire even with session_replication_role = replica.
alter table audit.warehouse_audit_logs enable always trigger warehouse_audit_logs_insert_only;
alter table audit.warehouse_audit_logs enable always trigger warehouse_audit_logs_insert_only_truncate;

-- Nobody holds UPDATE, DELETE or TRUNCATE, not even the owner (superusers bypass this; the triggers do not let them).
revoke all on audit.warehouse_audit_logs from public, anon, authenticated, service_role;
revoke update, delete, truncate on audit.warehouse_audit_logs from current_user;

-- Ingestion
create function audit.ingest_statements(p_rows jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
    v_received integer;
    v_inserted integer;
    v_conflicts integer;
begin
    if p_rows is null or jsonb_typeof(p_rows) <> 'array' then
        raise exception 'audit.ingest_statements expects a JSON array of statements, got %', coalesce(jsonb_typeof(p_rows), 'NULL')
            using errcode = 'invalid_parameter_value';
    end if;

    with incoming as (
        select r.*
        from jsonb_to_recordset(p_rows) as r (
            role_name text,
            database_name text,
            application_name text,
            session_id text,
            statement_id bigint,
            substatement_id bigint,
            command text,
            audit_class text,
            query_text text,
            tables_accessed text[],
            rows_returned bigint,
            executed_at timestamptz,
            execution_time_ms integer,
            log_time timestamptz,
            source text
        )
    ),
    inserted as (
        insert into audit.warehouse_audit_logs (
            role_name, database_name, application_name, session_id, statement_id, substatement_id, command,
            audit_class, query_text, tables_accessed, rows_returned, executed_at, execution_time_ms, log_time, source
        )
        select
            i.role_name, i.database_name, i.application_name, i.session_id, i.statement_id, i.substatement_id, i.command,
            i.audit_class, i.query_text, i.tables_accessed, i.rows_returned,
            coalesce(i.executed_at, i.log_time, now()), i.execution_time_ms, i.log_time, coalesce(i.source, 'pgaudit')
        from incoming as i
        on conflict (session_id, statement_id, substatement_id) do nothing
        returning 1
    )
    select (select count(*) from incoming), (select count(*) from inserted)
    into v_received, v_inserted;

    -- A statement already stored whose stored row lacks some of the relations sent now: its audit lines
    -- were split across two batches. The row cannot be changed (insert-only), so say so.
    select count(*)
    into v_conflicts
    from jsonb_to_recordset(p_rows) as r (session_id text, statement_id bigint, substatement_id bigint, tables_accessed text[])
    join audit.warehouse_audit_logs as l
        on l.session_id = r.session_id and l.statement_id = r.statement_id and l.substatement_id = r.substatement_id
    where not (coalesce(l.tables_accessed, '{}') @> coalesce(r.tables_accessed, '{}'));

    if v_conflicts > 0 then
        raise warning 'audit.ingest_statements: % statement(s) were already logged with fewer relations than now sent; '
            'the stored rows keep their original tables_accessed', v_conflicts;
    end if;

    return jsonb_build_object(
        'inserted', v_inserted,
        'duplicates', v_received - v_inserted,
        'conflicts', v_conflicts
    );
end;
$$;

comment on function audit.ingest_statements(jsonb) is
    'Writes parsed audit statements (a JSON array of objects named like the columns of audit.warehouse_audit_logs) in one '
    'set-based insert. A statement already logged (same session_id, statement_id, substatement_id) is skipped, so '
    'sending a batch again adds nothing. Returns {inserted, duplicates, conflicts}: conflicts are skipped statements '
    'whose stored row lacks some relation sent now (a statement split across batches).';

create function audit.configure_object_audit(p_audit_role text default 'warehouse_auditor')
returns table (scope text, target text, applied boolean, detail text)
language plpgsql
set search_path = ''
as $$
declare
    v_login text;
    v_database_refused text;
    v_roles text[] := '{}';
begin
    scope := 'database';
    target := current_database();
    begin
        execute format('alter database %I set pgaudit.role = %L', current_database(), p_audit_role);
        applied := true;
        detail := format('pgaudit.role = %s for every new session of this database', p_audit_role);
        return next;
        return;
    exception when insufficient_privilege then
        v_database_refused := sqlerrm;
        applied := false;
        detail := v_database_refused;
        return next;
    end;

    -- Refused (Supabase): pgaudit settings are allowed per role there. A role setting applies to sessions that
    -- log in as that role, so set it on every login that can read the warehouse: this one, and analyst_role's.
    for v_login in
        select r.rolname::text
        from pg_catalog.pg_roles as r
        where r.rolcanlogin
          and (r.rolname = current_user or pg_catalog.pg_has_role(r.oid, 'analyst_role', 'member'))
        order by 1
    loop
        scope := 'role';
        target := v_login;
        begin
            execute format('alter role %I set pgaudit.role = %L', v_login, p_audit_role);
            applied := true;
            detail := format('pgaudit.role = %s for sessions that log in as %s', p_audit_role, v_login);
            v_roles := v_roles || v_login;
        exception when insufficient_privilege then
            applied := false;
            detail := sqlerrm;
        end;
        return next;
    end loop;

    raise notice using message = format(
        'pgaudit.role could not be set for database %s (%s). Object auditing now covers sessions of: %s. '
        'Have it set database-wide (Supabase: dashboard or support ticket: alter database %s set pgaudit.role = %L), '
        'or run select * from audit.configure_object_audit() again after creating a login.',
        current_database(), v_database_refused,
        coalesce(nullif(array_to_string(v_roles, ', '), ''), 'no role'), current_database(), p_audit_role);
end;
$$;

comment on function audit.configure_object_audit(text) is
    'Points pgaudit object auditing (pgaudit.role) at the audit role: for the whole database where allowed (a '
    'superuser), else for each login that can read the warehouse (the current login and every login member of '
    'analyst_role), with a NOTICE saying what is left to do. Returns one row per setting tried. Idempotent.';

select scope, target, applied from audit.configure_object_audit();

-- ===============================================================================================
-- supabase/schemas/engine/privacy.sql
-- ===============================================================================================

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
        'create policy "Analysts see hashed PII only" on marts.%I for select to analyst_role using (not analytics_opt_out)',
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
    'of analytics (columns hold no PII); data engineers see all rows; the pipeline maintains them. Every mart has an '
    'analytics_opt_out column for this.';

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
    'Right to erasure: deletes every row of the user in raw, staging and marts (warehouse.user_keyed_tables; the only '
    'sanctioned change to raw), scrubs the id from sample keys and captured deletions, and records the erasure '
    '(salted hash of the id, time, rows per table) in warehouse.erased_users, so extraction never brings the user back. '
    'Returns the erasure id and the rows deleted per table. Idempotent.';

revoke all on function warehouse.forget_user(uuid) from warehouse_pipeline, data_engineer_role;

-- ===============================================================================================
-- supabase/schemas/raw/raw_supabase_auth_events.sql
-- ===============================================================================================

create table raw.raw_supabase_auth_events (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    user_id uuid,
    event_type varchar(30),
    auth_method varchar(50),
    failure_reason varchar(100),
    ip_address inet,
    user_agent text,
    occurred_at timestamptz,
    created_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_auth_events');

comment on table raw.raw_supabase_auth_events is
    'Raw auth events: one row per extracted authentication event (public.auth_events), append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_auth_events.id is 'Event id.';
comment on column raw.raw_supabase_auth_events.user_id is 'The account concerned; NULL for an unknown email.';
comment on column raw.raw_supabase_auth_events.event_type is 'login_success, login_failure, token_refresh, logout or password_reset.';
comment on column raw.raw_supabase_auth_events.auth_method is 'Method used.';
comment on column raw.raw_supabase_auth_events.failure_reason is 'Why a login failed.';
comment on column raw.raw_supabase_auth_events.ip_address is 'Client IP. PII: staging keeps only its salted hash.';
comment on column raw.raw_supabase_auth_events.user_agent is 'Client user agent string.';
comment on column raw.raw_supabase_auth_events.occurred_at is 'When the event happened.';
comment on column raw.raw_supabase_auth_events.created_at is 'When the source row was written (the change-tracking column).';

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_auth_events', 'public', 'auth_events', 'id', 'created_at', 'raw_supabase_auth_events', 's.user_id');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_auth_events', 'id', 'uuid', 'id', null),
    ('supabase_auth_events', 'user_id', 'uuid', 'user_id', null),
    ('supabase_auth_events', 'event_type', 'character varying(30)', 'event_type', null),
    ('supabase_auth_events', 'auth_method', 'character varying(50)', 'auth_method', null),
    ('supabase_auth_events', 'failure_reason', 'character varying(100)', 'failure_reason', null),
    ('supabase_auth_events', 'ip_address', 'inet', 'ip_address', null),
    ('supabase_auth_events', 'user_agent', 'text', 'user_agent', null),
    ('supabase_auth_events', 'occurred_at', 'timestamp with time zone', 'occurred_at', null),
    ('supabase_auth_events', 'created_at', 'timestamp with time zone', 'created_at', null);

select warehouse.prepare_source('supabase_auth_events');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_auth_events', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted auth events; older monthly partitions are archived, then dropped.');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('raw', 'raw_supabase_auth_events', 'user_id = $1');

-- ===============================================================================================
-- supabase/schemas/raw/raw_supabase_care_tasks.sql
-- ===============================================================================================

create table raw.raw_supabase_care_tasks (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    pet_id uuid,
    task_type varchar(20),
    due_on date,
    reminder_sent_at timestamptz,
    completed_at timestamptz,
    status varchar(20),
    created_at timestamptz,
    updated_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_care_tasks');
create index idx_raw_care_tasks_pet on raw.raw_supabase_care_tasks (pet_id);

comment on table raw.raw_supabase_care_tasks is
    'Raw care tasks: one row per extracted version of a scheduled care task (public.care_tasks), append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_care_tasks.id is 'Care task id.';
comment on column raw.raw_supabase_care_tasks.pet_id is 'The pet the task is for.';
comment on column raw.raw_supabase_care_tasks.task_type is 'vaccine_due, medication, grooming, vet_checkup or weigh_in.';
comment on column raw.raw_supabase_care_tasks.due_on is 'Day the task is due.';
comment on column raw.raw_supabase_care_tasks.reminder_sent_at is 'When a reminder was sent; NULL: none.';
comment on column raw.raw_supabase_care_tasks.completed_at is 'When the task was marked done.';
comment on column raw.raw_supabase_care_tasks.status is 'scheduled, completed or skipped.';
comment on column raw.raw_supabase_care_tasks.created_at is 'When the task was scheduled.';
comment on column raw.raw_supabase_care_tasks.updated_at is 'Source change time (the change-tracking column).';

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_care_tasks', 'public', 'care_tasks', 'id', 'updated_at', 'raw_supabase_care_tasks',
        '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_care_tasks', 'id', 'uuid', 'id', null),
    ('supabase_care_tasks', 'pet_id', 'uuid', 'pet_id', null),
    ('supabase_care_tasks', 'task_type', 'character varying(20)', 'task_type', null),
    ('supabase_care_tasks', 'due_on', 'date', 'due_on', null),
    ('supabase_care_tasks', 'reminder_sent_at', 'timestamp with time zone', 'reminder_sent_at', null),
    ('supabase_care_tasks', 'completed_at', 'timestamp with time zone', 'completed_at', null),
    ('supabase_care_tasks', 'status', 'character varying(20)', 'status', null),
    ('supabase_care_tasks', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_care_tasks', 'updated_at', 'timestamp with time zone', 'updated_at', null);

select warehouse.prepare_source('supabase_care_tasks');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('raw', 'raw_supabase_care_tasks',
        'id in (select c.id from raw.raw_supabase_care_tasks as c where c.pet_id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1))', 50);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_care_tasks', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted care tasks; older monthly partitions are archived, then dropped.');

-- ===============================================================================================
-- supabase/schemas/raw/raw_supabase_health_events.sql
-- ===============================================================================================

create table raw.raw_supabase_health_events (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    pet_id uuid,
    event_type varchar(20),
    vaccine_name varchar(100),
    medication_name varchar(100),
    occurred_on date,
    next_due_on date,
    outcome text,
    notes text,
    created_at timestamptz,
    updated_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_health_events');
create index idx_raw_health_events_pet on raw.raw_supabase_health_events (pet_id);

comment on table raw.raw_supabase_health_events is
    'Raw health events: one row per extracted version of a vet visit, vaccine or medication dose (public.health_events), '
    'append-only, partitioned by extraction month. The only warehouse table with the free-text notes.';
comment on column raw.raw_supabase_health_events.id is 'Health event id.';
comment on column raw.raw_supabase_health_events.pet_id is 'The pet concerned.';
comment on column raw.raw_supabase_health_events.event_type is 'vet_visit, vaccine or medication.';
comment on column raw.raw_supabase_health_events.vaccine_name is 'For vaccines: which vaccine.';
comment on column raw.raw_supabase_health_events.medication_name is 'For medications: which medication.';
comment on column raw.raw_supabase_health_events.occurred_on is 'Day of the visit or dose.';
comment on column raw.raw_supabase_health_events.next_due_on is 'For vaccines and medications: when the next dose is due.';
comment on column raw.raw_supabase_health_events.outcome is 'Outcome of the visit or dose.';
comment on column raw.raw_supabase_health_events.notes is 'Free text. PII risk: never past raw.';
comment on column raw.raw_supabase_health_events.created_at is 'When the source row was written.';
comment on column raw.raw_supabase_health_events.updated_at is 'Source change time (the change-tracking column).';

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_health_events', 'public', 'health_events', 'id', 'updated_at', 'raw_supabase_health_events',
        '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_health_events', 'id', 'uuid', 'id', null),
    ('supabase_health_events', 'pet_id', 'uuid', 'pet_id', null),
    ('supabase_health_events', 'event_type', 'character varying(20)', 'event_type', null),
    ('supabase_health_events', 'vaccine_name', 'character varying(100)', 'vaccine_name', null),
    ('supabase_health_events', 'medication_name', 'character varying(100)', 'medication_name', null),
    ('supabase_health_events', 'occurred_on', 'date', 'occurred_on', null),
    ('supabase_health_events', 'next_due_on', 'date', 'next_due_on', null),
    ('supabase_health_events', 'outcome', 'text', 'outcome', null),
    ('supabase_health_events', 'notes', 'text', 'notes', null),
    ('supabase_health_events', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_health_events', 'updated_at', 'timestamp with time zone', 'updated_at', null);

select warehouse.prepare_source('supabase_health_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('raw', 'raw_supabase_health_events',
        'id in (select c.id from raw.raw_supabase_health_events as c where c.pet_id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1))', 50);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_health_events', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted health events; older monthly partitions are archived, then dropped.');

-- ===============================================================================================
-- supabase/schemas/raw/raw_supabase_pet_weights.sql
-- ===============================================================================================

create table raw.raw_supabase_pet_weights (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    pet_id uuid,
    weighed_on date,
    weight_kg numeric(6,2),
    created_at timestamptz,
    updated_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_pet_weights');
create index idx_raw_pet_weights_pet on raw.raw_supabase_pet_weights (pet_id);

comment on table raw.raw_supabase_pet_weights is
    'Raw weigh-ins: one row per extracted version of a weigh-in (public.pet_weights), append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_pet_weights.id is 'Weigh-in id.';
comment on column raw.raw_supabase_pet_weights.pet_id is 'The pet weighed.';
comment on column raw.raw_supabase_pet_weights.weighed_on is 'Day of the weigh-in.';
comment on column raw.raw_supabase_pet_weights.weight_kg is 'Weight in kilograms.';
comment on column raw.raw_supabase_pet_weights.created_at is 'When the source row was written.';
comment on column raw.raw_supabase_pet_weights.updated_at is 'Source change time (the change-tracking column).';

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_pet_weights', 'public', 'pet_weights', 'id', 'updated_at', 'raw_supabase_pet_weights',
        '(select p.owner_user_id from public.pets as p where p.id = s.pet_id)');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_pet_weights', 'id', 'uuid', 'id', null),
    ('supabase_pet_weights', 'pet_id', 'uuid', 'pet_id', null),
    ('supabase_pet_weights', 'weighed_on', 'date', 'weighed_on', null),
    ('supabase_pet_weights', 'weight_kg', 'numeric(6,2)', 'weight_kg', null),
    ('supabase_pet_weights', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_pet_weights', 'updated_at', 'timestamp with time zone', 'updated_at', null);

select warehouse.prepare_source('supabase_pet_weights');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('raw', 'raw_supabase_pet_weights',
        'id in (select c.id from raw.raw_supabase_pet_weights as c where c.pet_id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1))', 50);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_pet_weights', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted weigh-ins; older monthly partitions are archived, then dropped.');

-- ===============================================================================================
-- supabase/schemas/raw/raw_supabase_pets.sql
-- ===============================================================================================

-- Pets domain: pet profiles, weight history, health events and care tasks, from the app's tables to
-- the seed's pets marts (marts_pets_dim_pets, marts_pets_health_events, marts_pets_care_schedule),
-- plus a weight-history fact and the proactive care mart marts_pets_attention_needed, with no new
-- mechanism: raw tables prepared by warehouse.prepare_raw_table, sources and columns as registry rows,
-- models as warehouse.models rows, tests as warehouse.quality_tests rows, retention and erasure as
-- rows, row-level security by warehouse.enable_mart_rls.
--
-- Privacy. The pet's name and the free-text notes of health events stay in raw; staging and marts
-- carry neither. Every row is keyed to its owner (owner_user_id), so opt-out and erasure work as for
-- the core domain. Time-dependent columns (age, life stage, vaccination and health status, the
-- attention list) are recomputed for the pets whose state can have changed with the date.

-- Raw tables
create table raw.raw_supabase_pets (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    owner_user_id uuid,
    name varchar(100),
    species varchar(20),
    breed varchar(100),
    birth_date date,
    sex varchar(10),
    is_neutered boolean,
    created_at timestamptz,
    updated_at timestamptz,
    deleted_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_pets');

-- Erasure and the staging models find a pet's rows through the pet.
create index idx_raw_pets_owner on raw.raw_supabase_pets (owner_user_id);

comment on table raw.raw_supabase_pets is
    'Raw pets: one row per extracted version of a pet profile (public.pets), append-only, partitioned by extraction month. '
    'The only warehouse table with the pet''s name.';
comment on column raw.raw_supabase_pets.id is 'Pet id (public.pets.id).';
comment on column raw.raw_supabase_pets.owner_user_id is 'The account the pet belongs to.';
comment on column raw.raw_supabase_pets.name is 'The pet''s name. Family data: never past raw.';
comment on column raw.raw_supabase_pets.species is 'dog, cat, rabbit, bird or other.';
comment on column raw.raw_supabase_pets.breed is 'Breed as the owner entered it.';
comment on column raw.raw_supabase_pets.birth_date is 'Birth date (often estimated).';
comment on column raw.raw_supabase_pets.sex is 'male, female or unknown.';
comment on column raw.raw_supabase_pets.is_neutered is 'Whether the pet is spayed or neutered.';
comment on column raw.raw_supabase_pets.created_at is 'When the pet was added to the app.';
comment on column raw.raw_supabase_pets.updated_at is 'Source change time (the change-tracking column).';
comment on column raw.raw_supabase_pets.deleted_at is 'Soft-delete time in the source.';

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_pets', 'public', 'pets', 'id', 'updated_at', 'raw_supabase_pets', 's.owner_user_id');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_pets', 'id', 'uuid', 'id', null),
    ('supabase_pets', 'owner_user_id', 'uuid', 'owner_user_id', null),
    ('supabase_pets', 'name', 'character varying(100)', 'name', null),
    ('supabase_pets', 'species', 'character varying(20)', 'species', null),
    ('supabase_pets', 'breed', 'character varying(100)', 'breed', null),
    ('supabase_pets', 'birth_date', 'date', 'birth_date', null),
    ('supabase_pets', 'sex', 'character varying(10)', 'sex', null),
    ('supabase_pets', 'is_neutered', 'boolean', 'is_neutered', null),
    ('supabase_pets', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_pets', 'updated_at', 'timestamp with time zone', 'updated_at', null),
    ('supabase_pets', 'deleted_at', 'timestamp with time zone', 'deleted_at', null);

select warehouse.prepare_source('supabase_pets');

-- A pet's owner as raw knows it now: the newest version of the pet that is not a tombstone. The
-- staging models of the pet's children (weigh-ins, health events, care tasks) carry it.
do $atomic$
begin
    execute $body$
create function warehouse.raw_pet_owner(p_pet_id uuid)
returns table (owner_user_id uuid)
language sql
stable
begin atomic
    select p.owner_user_id
    from raw.raw_supabase_pets as p
    where p.id = p_pet_id and not p.is_tombstone
    order by p.changed_at desc nulls last, p.batch_id desc
    limit 1;
end
$body$;
end
$atomic$;

comment on function warehouse.raw_pet_owner(uuid) is
    'The owner of a pet as raw knows it now (its newest non-tombstone version); no row for an unknown pet.';

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('raw', 'raw_supabase_pets', 'id in (select r.id from raw.raw_supabase_pets as r where r.owner_user_id = $1)', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_pets', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted pet versions; older monthly partitions are archived, then dropped.');

-- ===============================================================================================
-- supabase/schemas/raw/raw_supabase_product_events.sql
-- ===============================================================================================

-- Product usage domain (the seed's "Domain: Product Usage"): feature adoption and funnels.
--
-- One new source, public.product_events (insert-only: feature uses and funnel steps), through the
-- machinery every source uses: a raw table made by warehouse.prepare_raw_table, registry rows in
-- warehouse.sources / source_columns, a staging model (SCD1 merge, like the core ones), two marts
-- refreshed for what the new batches touched, quality tests as rows, retention policies, row-level
-- security and erasure registration, and two KPI views with the invoker's rights.

-- Raw
create table raw.raw_supabase_product_events (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    user_id uuid,
    session_id uuid,
    event_name varchar(50),
    feature_name varchar(50),
    funnel_name varchar(50),
    funnel_step varchar(50),
    step_number smallint,
    duration_seconds integer,
    properties jsonb,
    occurred_at timestamptz,
    created_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_product_events');

comment on table raw.raw_supabase_product_events is
    'Raw product events: one row per extracted product event (public.product_events: feature uses and funnel steps), '
    'append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_product_events.id is 'Event id.';
comment on column raw.raw_supabase_product_events.user_id is 'The account that produced the event.';
comment on column raw.raw_supabase_product_events.session_id is 'The app session the event happened in; NULL when outside one.';
comment on column raw.raw_supabase_product_events.event_name is 'feature_used or funnel_step.';
comment on column raw.raw_supabase_product_events.feature_name is 'For feature_used: the app feature used.';
comment on column raw.raw_supabase_product_events.funnel_name is 'For funnel_step: the funnel (onboarding, premium_upgrade).';
comment on column raw.raw_supabase_product_events.funnel_step is 'For funnel_step: the step reached.';
comment on column raw.raw_supabase_product_events.step_number is 'For funnel_step: the step''s position in its funnel, from 1.';
comment on column raw.raw_supabase_product_events.duration_seconds is 'For feature_used: seconds spent in the feature.';
comment on column raw.raw_supabase_product_events.properties is
    'Event properties as extracted. Staging keeps them only when they hold no PII (warehouse.jsonb_has_pii).';
comment on column raw.raw_supabase_product_events.occurred_at is 'When the event happened.';
comment on column raw.raw_supabase_product_events.created_at is 'When the source row was written (the change-tracking column).';

-- Source registry

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_product_events', 'public', 'product_events', 'id', 'created_at', 'raw_supabase_product_events', 's.user_id');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_product_events', 'id', 'uuid', 'id', null),
    ('supabase_product_events', 'user_id', 'uuid', 'user_id', null),
    ('supabase_product_events', 'session_id', 'uuid', 'session_id', null),
    ('supabase_product_events', 'event_name', 'character varying(50)', 'event_name', null),
    ('supabase_product_events', 'feature_name', 'character varying(50)', 'feature_name', null),
    ('supabase_product_events', 'funnel_name', 'character varying(50)', 'funnel_name', null),
    ('supabase_product_events', 'funnel_step', 'character varying(50)', 'funnel_step', null),
    ('supabase_product_events', 'step_number', 'smallint', 'step_number', null),
    ('supabase_product_events', 'duration_seconds', 'integer', 'duration_seconds', null),
    ('supabase_product_events', 'properties', 'jsonb', 'properties', null),
    ('supabase_product_events', 'occurred_at', 'timestamp with time zone', 'occurred_at', null),
    ('supabase_product_events', 'created_at', 'timestamp with time zone', 'created_at', null);

select warehouse.prepare_source('supabase_product_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('raw', 'raw_supabase_product_events', 'user_id = $1');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_product_events', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted product events; older monthly partitions are archived, then dropped.');

-- ===============================================================================================
-- supabase/schemas/raw/raw_supabase_sessions.sql
-- ===============================================================================================

create table raw.raw_supabase_sessions (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    user_id uuid,
    started_at timestamptz,
    last_activity_at timestamptz,
    ended_at timestamptz,
    ip_address inet,
    user_agent text,
    device_type varchar(20),
    auth_method varchar(50),
    api_calls_count integer,
    features_used text[],
    created_at timestamptz,
    updated_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_sessions');

comment on table raw.raw_supabase_sessions is
    'Raw sessions: one row per extracted version of an app session (public.sessions), append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_sessions.id is 'Session id.';
comment on column raw.raw_supabase_sessions.user_id is 'The session''s user.';
comment on column raw.raw_supabase_sessions.started_at is 'Session start.';
comment on column raw.raw_supabase_sessions.last_activity_at is 'Last request seen in the session.';
comment on column raw.raw_supabase_sessions.ended_at is 'Logout or expiry; NULL while open.';
comment on column raw.raw_supabase_sessions.ip_address is 'Client IP. PII: staging keeps only its salted hash.';
comment on column raw.raw_supabase_sessions.user_agent is 'Client user agent string.';
comment on column raw.raw_supabase_sessions.device_type is 'ios, android or web.';
comment on column raw.raw_supabase_sessions.auth_method is 'How the session was authenticated.';
comment on column raw.raw_supabase_sessions.api_calls_count is 'API calls made in the session.';
comment on column raw.raw_supabase_sessions.features_used is 'Features used in the session.';
comment on column raw.raw_supabase_sessions.created_at is 'Row creation time in the source.';
comment on column raw.raw_supabase_sessions.updated_at is 'Source change time (the change-tracking column).';

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_sessions', 'public', 'sessions', 'id', 'updated_at', 'raw_supabase_sessions', 's.user_id');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_sessions', 'id', 'uuid', 'id', null),
    ('supabase_sessions', 'user_id', 'uuid', 'user_id', null),
    ('supabase_sessions', 'started_at', 'timestamp with time zone', 'started_at', null),
    ('supabase_sessions', 'last_activity_at', 'timestamp with time zone', 'last_activity_at', null),
    ('supabase_sessions', 'ended_at', 'timestamp with time zone', 'ended_at', null),
    ('supabase_sessions', 'ip_address', 'inet', 'ip_address', null),
    ('supabase_sessions', 'user_agent', 'text', 'user_agent', null),
    ('supabase_sessions', 'device_type', 'character varying(20)', 'device_type', null),
    ('supabase_sessions', 'auth_method', 'character varying(50)', 'auth_method', null),
    ('supabase_sessions', 'api_calls_count', 'integer', 'api_calls_count', null),
    ('supabase_sessions', 'features_used', 'text[]', 'features_used', null),
    ('supabase_sessions', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_sessions', 'updated_at', 'timestamp with time zone', 'updated_at', null);

select warehouse.prepare_source('supabase_sessions');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_sessions', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted sessions; older monthly partitions are archived, then dropped.');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('raw', 'raw_supabase_sessions', 'user_id = $1');

-- ===============================================================================================
-- supabase/schemas/raw/raw_supabase_users.sql
-- ===============================================================================================

-- Raw tables
create table raw.raw_supabase_users (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    email varchar(255),
    email_verified boolean,
    has_password boolean,
    first_name varchar(100),
    last_name varchar(100),
    profile_photo_url text,
    auth_methods text[],
    preferred_auth_method varchar(50),
    two_factor_enabled boolean,
    account_locked_until timestamptz,
    failed_login_attempts integer,
    last_login_at timestamptz,
    last_login_ip inet,
    created_at timestamptz,
    updated_at timestamptz,
    deleted_at timestamptz,
    analytics_opt_out boolean,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_users');

comment on table raw.raw_supabase_users is
    'Raw users: one row per extracted version of an app user (public.users), append-only, partitioned by extraction month. '
    'hashed_password is never copied: has_password keeps only whether one was set.';
comment on column raw.raw_supabase_users.id is 'User id (public.users.id).';
comment on column raw.raw_supabase_users.email is 'Login email as extracted. PII: staging keeps only its salted hash and domain.';
comment on column raw.raw_supabase_users.email_verified is 'Whether the email was confirmed.';
comment on column raw.raw_supabase_users.has_password is 'Whether public.users.hashed_password was set; the hash itself never leaves the app database.';
comment on column raw.raw_supabase_users.first_name is 'Given name. PII: never past raw.';
comment on column raw.raw_supabase_users.last_name is 'Family name. PII: never past raw.';
comment on column raw.raw_supabase_users.profile_photo_url is 'Avatar URL. PII: never past raw.';
comment on column raw.raw_supabase_users.auth_methods is 'Sign-in methods enabled on the account.';
comment on column raw.raw_supabase_users.preferred_auth_method is 'The sign-in method the user last chose.';
comment on column raw.raw_supabase_users.two_factor_enabled is 'Whether two-factor authentication is on.';
comment on column raw.raw_supabase_users.account_locked_until is 'Lock expiry; in the future means the account is locked.';
comment on column raw.raw_supabase_users.failed_login_attempts is 'Consecutive failed logins.';
comment on column raw.raw_supabase_users.last_login_at is 'Time of the last successful login.';
comment on column raw.raw_supabase_users.last_login_ip is 'IP of the last successful login. PII: staging keeps only its salted hash.';
comment on column raw.raw_supabase_users.created_at is 'Sign-up time.';
comment on column raw.raw_supabase_users.updated_at is 'Source change time (the change-tracking column).';
comment on column raw.raw_supabase_users.deleted_at is 'Soft-delete time in the source.';
comment on column raw.raw_supabase_users.analytics_opt_out is 'The user opted out of analytics.';

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_users', 'public', 'users', 'id', 'updated_at', 'raw_supabase_users', 's.id');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_users', 'id', 'uuid', 'id', null),
    ('supabase_users', 'email', 'character varying(255)', 'email', null),
    ('supabase_users', 'email_verified', 'boolean', 'email_verified', null),
    ('supabase_users', 'hashed_password', 'character varying(255)', 'has_password', 's.hashed_password is not null'),
    ('supabase_users', 'first_name', 'character varying(100)', 'first_name', null),
    ('supabase_users', 'last_name', 'character varying(100)', 'last_name', null),
    ('supabase_users', 'profile_photo_url', 'text', 'profile_photo_url', null),
    ('supabase_users', 'auth_methods', 'text[]', 'auth_methods', null),
    ('supabase_users', 'preferred_auth_method', 'character varying(50)', 'preferred_auth_method', null),
    ('supabase_users', 'two_factor_enabled', 'boolean', 'two_factor_enabled', null),
    ('supabase_users', 'account_locked_until', 'timestamp with time zone', 'account_locked_until', null),
    ('supabase_users', 'failed_login_attempts', 'integer', 'failed_login_attempts', null),
    ('supabase_users', 'last_login_at', 'timestamp with time zone', 'last_login_at', null),
    ('supabase_users', 'last_login_ip', 'inet', 'last_login_ip', null),
    ('supabase_users', 'created_at', 'timestamp with time zone', 'created_at', null),
    ('supabase_users', 'updated_at', 'timestamp with time zone', 'updated_at', null),
    ('supabase_users', 'deleted_at', 'timestamp with time zone', 'deleted_at', null),
    ('supabase_users', 'analytics_opt_out', 'boolean', 'analytics_opt_out', null);

select warehouse.prepare_source('supabase_users');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_users', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted user versions; older monthly partitions are archived, then dropped.');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('raw', 'raw_supabase_users', 'id = $1');

-- The raw layer's view of which users exist now: the newest version of each id, unless a tombstone.
create view warehouse.raw_current_users as
select v.id as user_id
from (
    select distinct on (r.id) r.id, r.is_tombstone
    from raw.raw_supabase_users as r
    order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
) as v
where not v.is_tombstone;

comment on view warehouse.raw_current_users is
    'One row per user whose newest raw version is not a tombstone: raw''s side of the user-count reconciliation.';
comment on column warehouse.raw_current_users.user_id is 'The user.';

-- ===============================================================================================
-- supabase/schemas/staging/stg_supabase_auth_events.sql
-- ===============================================================================================

create table staging.stg_supabase_auth_events (
    event_id uuid primary key,
    user_id uuid,
    event_type varchar(30),
    auth_method varchar(50),
    failure_reason varchar(100),
    ip_hash varchar(64),
    event_date date,
    occurred_at timestamptz,
    created_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_auth_events_user_occurred on staging.stg_supabase_auth_events (user_id, occurred_at);
create index idx_stg_auth_events_batch on staging.stg_supabase_auth_events (_batch_id);

comment on table staging.stg_supabase_auth_events is 'Staging auth events: one row per authentication event; IP hashed, user agent dropped.';
comment on column staging.stg_supabase_auth_events.event_id is 'Event id.';
comment on column staging.stg_supabase_auth_events.user_id is 'The account concerned; NULL for an unknown email.';
comment on column staging.stg_supabase_auth_events.event_type is 'login_success, login_failure, token_refresh, logout or password_reset.';
comment on column staging.stg_supabase_auth_events.auth_method is 'Method used.';
comment on column staging.stg_supabase_auth_events.failure_reason is 'Why a login failed.';
comment on column staging.stg_supabase_auth_events.ip_hash is 'SHA-256(salt || client IP), hex.';
comment on column staging.stg_supabase_auth_events.event_date is 'UTC date of the event.';
comment on column staging.stg_supabase_auth_events.occurred_at is 'When the event happened.';
comment on column staging.stg_supabase_auth_events.created_at is 'When the source row was written.';
comment on column staging.stg_supabase_auth_events.is_hard_deleted is 'The event was deleted from the source.';
comment on column staging.stg_supabase_auth_events.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_auth_events._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_auth_events._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_auth_events._dbt_loaded_at is 'When the pipeline last wrote the row.';

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_auth_events__projection as
select
    r.id as event_id,
    r.user_id,
    r.event_type,
    r.auth_method,
    r.failure_reason,
    warehouse.salted_sha256(host(r.ip_address), k.salt) as ip_hash,
    (r.occurred_at at time zone 'UTC')::date as event_date,
    r.occurred_at,
    r.created_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_auth_events as r
-- the salt once per query, not once per row
cross join (select warehouse.pii_salt() as salt offset 0) as k;

comment on view staging.stg_supabase_auth_events__projection is
    'Model stg_supabase_auth_events: each raw version of raw.raw_supabase_auth_events as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_auth_events__projection', 'staging.stg_supabase_auth_events');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_auth_events', 'staging', 'staging', 'stg_supabase_auth_events', 'merge_scd1', '{event_id}', 'staging.stg_supabase_auth_events__projection',
    'one row per authentication event');

insert into warehouse.model_state (model_name) values ('stg_supabase_auth_events');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_auth_events__event_id__unique', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'unique', 'event_id', 'event_id', '{}', 'error',
        'Each auth event appears once in staging.'),
    ('stg_supabase_auth_events__occurred_at__not_null', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'not_null', 'occurred_at', 'event_id',
        '{"where": "not is_hard_deleted"}', 'error', 'Every auth event has a time.'),
    ('stg_supabase_auth_events__event_type__accepted_values', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'accepted_values',
        'event_type', 'event_id', '{"values": ["login_success", "login_failure", "token_refresh", "logout", "password_reset"]}', 'error',
        'Auth event types are the five the app records.'),
    ('stg_supabase_auth_events__freshness', 'stg_supabase_auth_events', 'staging', 'stg_supabase_auth_events', 'freshness', 'occurred_at', null,
        '{"warn_after": "26 hours", "error_after": "72 hours", "where": "not is_hard_deleted"}', 'error',
        'Data freshness (seed target: under 24 hours): the newest auth event is recent.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_auth_events', 'staging', 36, 'delete_rows', 'occurred_at',
        'Staging keeps 3 years of auth events, by event time.');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('staging', 'stg_supabase_auth_events', 'user_id = $1');

-- ===============================================================================================
-- supabase/schemas/staging/stg_supabase_care_tasks.sql
-- ===============================================================================================

create table staging.stg_supabase_care_tasks (
    care_task_id uuid primary key,
    pet_id uuid,
    owner_user_id uuid,
    task_type varchar(20),
    due_on date,
    reminder_sent_at timestamptz,
    completed_at timestamptz,
    status varchar(20),
    created_at timestamptz,
    updated_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_care_tasks_pet on staging.stg_supabase_care_tasks (pet_id, due_on);
create index idx_stg_care_tasks_owner on staging.stg_supabase_care_tasks (owner_user_id);
create index idx_stg_care_tasks_batch on staging.stg_supabase_care_tasks (_batch_id);

comment on table staging.stg_supabase_care_tasks is 'Staging care tasks: one row per scheduled care task, current state (SCD1).';
comment on column staging.stg_supabase_care_tasks.care_task_id is 'Care task id.';
comment on column staging.stg_supabase_care_tasks.pet_id is 'The pet the task is for.';
comment on column staging.stg_supabase_care_tasks.owner_user_id is 'The pet''s owner (denormalised from raw pets), for opt-out and erasure.';
comment on column staging.stg_supabase_care_tasks.task_type is 'vaccine_due, medication, grooming, vet_checkup or weigh_in.';
comment on column staging.stg_supabase_care_tasks.due_on is 'Day the task is due.';
comment on column staging.stg_supabase_care_tasks.reminder_sent_at is 'When a reminder was sent; NULL: none.';
comment on column staging.stg_supabase_care_tasks.completed_at is 'When the task was marked done.';
comment on column staging.stg_supabase_care_tasks.status is 'scheduled, completed or skipped.';
comment on column staging.stg_supabase_care_tasks.created_at is 'When the task was scheduled.';
comment on column staging.stg_supabase_care_tasks.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_care_tasks.is_hard_deleted is 'The task was deleted from the source.';
comment on column staging.stg_supabase_care_tasks.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_care_tasks._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_care_tasks._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_care_tasks._dbt_loaded_at is 'When the pipeline last wrote the row.';

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_care_tasks__projection as
select
    r.id as care_task_id,
    r.pet_id,
    o.owner_user_id as owner_user_id,
    r.task_type,
    r.due_on,
    r.reminder_sent_at,
    r.completed_at,
    r.status,
    r.created_at,
    r.updated_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_care_tasks as r
left join lateral warehouse.raw_pet_owner(r.pet_id) as o on true;

comment on view staging.stg_supabase_care_tasks__projection is
    'Model stg_supabase_care_tasks: each raw version of raw.raw_supabase_care_tasks as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_care_tasks__projection', 'staging.stg_supabase_care_tasks');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_care_tasks', 'staging', 'staging', 'stg_supabase_care_tasks', 'merge_scd1', '{care_task_id}', 'staging.stg_supabase_care_tasks__projection',
    'one row per scheduled care task');

insert into warehouse.model_state (model_name) values ('stg_supabase_care_tasks');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('staging', 'stg_supabase_care_tasks', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_care_tasks', 'staging', 36, 'delete_rows', 'due_on', 'Staging keeps 3 years of care tasks, by due date.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_care_tasks__care_task_id__unique', 'stg_supabase_care_tasks', 'staging', 'stg_supabase_care_tasks', 'unique', 'care_task_id',
        'care_task_id', '{}', 'error', 'Each care task appears once in staging.'),
    ('stg_supabase_care_tasks__care_task_id__not_null', 'stg_supabase_care_tasks', 'staging', 'stg_supabase_care_tasks', 'not_null', 'care_task_id',
        null, '{}', 'error', 'Every care task has an id.'),
    ('stg_supabase_care_tasks__status__accepted_values', 'stg_supabase_care_tasks', 'staging', 'stg_supabase_care_tasks', 'accepted_values', 'status',
        'care_task_id', '{"values": ["scheduled", "completed", "skipped"]}', 'error', 'Care task statuses are scheduled, completed and skipped.'),
    ('stg_supabase_care_tasks__task_type__accepted_values', 'stg_supabase_care_tasks', 'staging', 'stg_supabase_care_tasks', 'accepted_values',
        'task_type', 'care_task_id', '{"values": ["vaccine_due", "medication", "grooming", "vet_checkup", "weigh_in"]}', 'error',
        'Care task types are the five the app schedules.'),
    ('stg_supabase_care_tasks__completed_after_created', 'stg_supabase_care_tasks', 'staging', 'stg_supabase_care_tasks', 'expression', null,
        'care_task_id', '{"where": "not is_hard_deleted and completed_at < created_at"}', 'error', 'No care task is completed before it was created.');

-- ===============================================================================================
-- supabase/schemas/staging/stg_supabase_health_events.sql
-- ===============================================================================================

create table staging.stg_supabase_health_events (
    health_event_id uuid primary key,
    pet_id uuid,
    owner_user_id uuid,
    event_type varchar(20),
    vaccine_name varchar(100),
    medication_name varchar(100),
    occurred_on date,
    next_due_on date,
    outcome text,
    created_at timestamptz,
    updated_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_health_events_pet on staging.stg_supabase_health_events (pet_id, occurred_on);
create index idx_stg_health_events_owner on staging.stg_supabase_health_events (owner_user_id);
create index idx_stg_health_events_batch on staging.stg_supabase_health_events (_batch_id);
create index idx_stg_health_events_next_due on staging.stg_supabase_health_events (next_due_on);

comment on table staging.stg_supabase_health_events is
    'Staging health events: one row per vet visit, vaccine or medication dose, current state (SCD1). No notes.';
comment on column staging.stg_supabase_health_events.health_event_id is 'Health event id.';
comment on column staging.stg_supabase_health_events.pet_id is 'The pet concerned.';
comment on column staging.stg_supabase_health_events.owner_user_id is 'The pet''s owner (denormalised from raw pets), for opt-out and erasure.';
comment on column staging.stg_supabase_health_events.event_type is 'vet_visit, vaccine or medication.';
comment on column staging.stg_supabase_health_events.vaccine_name is 'For vaccines: which vaccine, trimmed.';
comment on column staging.stg_supabase_health_events.medication_name is 'For medications: which medication, trimmed.';
comment on column staging.stg_supabase_health_events.occurred_on is 'Day of the visit or dose.';
comment on column staging.stg_supabase_health_events.next_due_on is 'For vaccines and medications: when the next dose is due.';
comment on column staging.stg_supabase_health_events.outcome is 'Outcome of the visit or dose.';
comment on column staging.stg_supabase_health_events.created_at is 'When the source row was written.';
comment on column staging.stg_supabase_health_events.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_health_events.is_hard_deleted is 'The event was deleted from the source.';
comment on column staging.stg_supabase_health_events.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_health_events._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_health_events._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_health_events._dbt_loaded_at is 'When the pipeline last wrote the row.';

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_health_events__projection as
select
    r.id as health_event_id,
    r.pet_id,
    o.owner_user_id as owner_user_id,
    r.event_type,
    nullif(btrim(r.vaccine_name), '') as vaccine_name,
    nullif(btrim(r.medication_name), '') as medication_name,
    r.occurred_on,
    r.next_due_on,
    r.outcome,
    r.created_at,
    r.updated_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_health_events as r
left join lateral warehouse.raw_pet_owner(r.pet_id) as o on true;

comment on view staging.stg_supabase_health_events__projection is
    'Model stg_supabase_health_events: each raw version of raw.raw_supabase_health_events as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_health_events__projection', 'staging.stg_supabase_health_events');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_health_events', 'staging', 'staging', 'stg_supabase_health_events', 'merge_scd1', '{health_event_id}', 'staging.stg_supabase_health_events__projection',
    'one row per health event (vet visit, vaccine or medication dose)');

insert into warehouse.model_state (model_name) values ('stg_supabase_health_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('staging', 'stg_supabase_health_events', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_health_events', 'staging', 36, 'delete_rows', 'occurred_on', 'Staging keeps 3 years of health events.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_health_events__health_event_id__unique', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events', 'unique',
        'health_event_id', 'health_event_id', '{}', 'error', 'Each health event appears once in staging.'),
    ('stg_supabase_health_events__health_event_id__not_null', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events', 'not_null',
        'health_event_id', null, '{}', 'error', 'Every health event has an id.'),
    ('stg_supabase_health_events__event_type__accepted_values', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events',
        'accepted_values', 'event_type', 'health_event_id', '{"values": ["vet_visit", "vaccine", "medication"]}', 'error',
        'Health event types are vet_visit, vaccine and medication.');

-- ===============================================================================================
-- supabase/schemas/staging/stg_supabase_pet_weights.sql
-- ===============================================================================================

create table staging.stg_supabase_pet_weights (
    weight_id uuid primary key,
    pet_id uuid,
    owner_user_id uuid,
    weighed_on date,
    weight_kg numeric(6,2),
    created_at timestamptz,
    updated_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_pet_weights_pet on staging.stg_supabase_pet_weights (pet_id, weighed_on);
create index idx_stg_pet_weights_owner on staging.stg_supabase_pet_weights (owner_user_id);
create index idx_stg_pet_weights_batch on staging.stg_supabase_pet_weights (_batch_id);

comment on table staging.stg_supabase_pet_weights is 'Staging weigh-ins: one row per weigh-in, current state (SCD1), with the pet''s owner.';
comment on column staging.stg_supabase_pet_weights.weight_id is 'Weigh-in id.';
comment on column staging.stg_supabase_pet_weights.pet_id is 'The pet weighed.';
comment on column staging.stg_supabase_pet_weights.owner_user_id is 'The pet''s owner (denormalised from raw pets), for opt-out and erasure.';
comment on column staging.stg_supabase_pet_weights.weighed_on is 'Day of the weigh-in.';
comment on column staging.stg_supabase_pet_weights.weight_kg is 'Weight in kilograms.';
comment on column staging.stg_supabase_pet_weights.created_at is 'When the source row was written.';
comment on column staging.stg_supabase_pet_weights.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_pet_weights.is_hard_deleted is 'The weigh-in was deleted from the source.';
comment on column staging.stg_supabase_pet_weights.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_pet_weights._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_pet_weights._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_pet_weights._dbt_loaded_at is 'When the pipeline last wrote the row.';

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_pet_weights__projection as
select
    r.id as weight_id,
    r.pet_id,
    o.owner_user_id as owner_user_id,
    r.weighed_on,
    r.weight_kg,
    r.created_at,
    r.updated_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_pet_weights as r
left join lateral warehouse.raw_pet_owner(r.pet_id) as o on true;

comment on view staging.stg_supabase_pet_weights__projection is
    'Model stg_supabase_pet_weights: each raw version of raw.raw_supabase_pet_weights as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_pet_weights__projection', 'staging.stg_supabase_pet_weights');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_pet_weights', 'staging', 'staging', 'stg_supabase_pet_weights', 'merge_scd1', '{weight_id}', 'staging.stg_supabase_pet_weights__projection',
    'one row per weigh-in');

insert into warehouse.model_state (model_name) values ('stg_supabase_pet_weights');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('staging', 'stg_supabase_pet_weights', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_pet_weights', 'staging', 36, 'delete_rows', 'weighed_on', 'Staging keeps 3 years of weigh-ins.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_pet_weights__weight_id__unique', 'stg_supabase_pet_weights', 'staging', 'stg_supabase_pet_weights', 'unique', 'weight_id', 'weight_id',
        '{}', 'error', 'Each weigh-in appears once in staging.'),
    ('stg_supabase_pet_weights__weight_id__not_null', 'stg_supabase_pet_weights', 'staging', 'stg_supabase_pet_weights', 'not_null', 'weight_id', null,
        '{}', 'error', 'Every weigh-in has an id.'),
    ('stg_supabase_pet_weights__weight_positive', 'stg_supabase_pet_weights', 'staging', 'stg_supabase_pet_weights', 'expression', null, 'weight_id',
        '{"where": "not is_hard_deleted and weight_kg <= 0"}', 'error', 'Every weight is positive.');

-- ===============================================================================================
-- supabase/schemas/staging/stg_supabase_pets.sql
-- ===============================================================================================

-- Staging tables
create table staging.stg_supabase_pets (
    pet_id uuid primary key,
    owner_user_id uuid,
    species varchar(20),
    breed varchar(100),
    birth_date date,
    age_months_at_load integer,
    sex varchar(10),
    is_neutered boolean,
    created_at timestamptz,
    updated_at timestamptz,
    deleted_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_pets_owner on staging.stg_supabase_pets (owner_user_id);
create index idx_stg_pets_batch on staging.stg_supabase_pets (_batch_id);

comment on table staging.stg_supabase_pets is
    'Staging pets: one row per pet ever extracted, current state (SCD1). No name: species, breed and dates only.';
comment on column staging.stg_supabase_pets.pet_id is 'Pet id (public.pets.id).';
comment on column staging.stg_supabase_pets.owner_user_id is 'The account the pet belongs to.';
comment on column staging.stg_supabase_pets.species is 'dog, cat, rabbit, bird or other.';
comment on column staging.stg_supabase_pets.breed is 'Breed as the owner entered it, trimmed.';
comment on column staging.stg_supabase_pets.birth_date is 'Birth date.';
comment on column staging.stg_supabase_pets.age_months_at_load is 'Age in whole months when the row was loaded (marts recompute it daily).';
comment on column staging.stg_supabase_pets.sex is 'male, female or unknown.';
comment on column staging.stg_supabase_pets.is_neutered is 'Whether the pet is spayed or neutered.';
comment on column staging.stg_supabase_pets.created_at is 'When the pet was added to the app.';
comment on column staging.stg_supabase_pets.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_pets.deleted_at is 'Soft-delete time in the source.';
comment on column staging.stg_supabase_pets.is_hard_deleted is 'The row was deleted from the source (a raw tombstone arrived).';
comment on column staging.stg_supabase_pets.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_pets._changed_at is 'Change time of the version applied; an older version never overwrites a newer one.';
comment on column staging.stg_supabase_pets._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_pets._dbt_loaded_at is 'When the pipeline last wrote the row.';

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_pets__projection as
select
    r.id as pet_id,
    r.owner_user_id,
    r.species,
    nullif(btrim(r.breed), '') as breed,
    r.birth_date,
    warehouse.pet_age_months(r.birth_date, current_date) as age_months_at_load,
    r.sex,
    r.is_neutered,
    r.created_at,
    r.updated_at,
    r.deleted_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_pets as r;

comment on view staging.stg_supabase_pets__projection is
    'Model stg_supabase_pets: each raw version of raw.raw_supabase_pets as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_pets__projection', 'staging.stg_supabase_pets');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_pets', 'staging', 'staging', 'stg_supabase_pets', 'merge_scd1', '{pet_id}', 'staging.stg_supabase_pets__projection',
    'one row per pet');

insert into warehouse.model_state (model_name) values ('stg_supabase_pets');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('staging', 'stg_supabase_pets', 'owner_user_id = $1', 100);

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_pets__pet_id__unique', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'unique', 'pet_id', 'pet_id', '{}', 'error',
        'Each pet appears once in staging.'),
    ('stg_supabase_pets__pet_id__not_null', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'not_null', 'pet_id', null, '{}', 'error',
        'Every staging pet has an id.'),
    ('stg_supabase_pets__owner_user_id__not_null', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'not_null', 'owner_user_id', 'pet_id',
        '{"where": "not is_hard_deleted"}', 'error', 'Every pet has an owner.'),
    ('stg_supabase_pets__species__accepted_values', 'stg_supabase_pets', 'staging', 'stg_supabase_pets', 'accepted_values', 'species', 'pet_id',
        '{"values": ["dog", "cat", "rabbit", "bird", "other"]}', 'error', 'Species are the five the app offers.');

-- ===============================================================================================
-- supabase/schemas/staging/stg_supabase_product_events.sql
-- ===============================================================================================

create table staging.stg_supabase_product_events (
    event_id uuid primary key,
    user_id uuid,
    session_id uuid,
    event_name varchar(50),
    feature_name varchar(50),
    funnel_name varchar(50),
    funnel_step varchar(50),
    step_number smallint,
    duration_seconds integer,
    properties jsonb,
    properties_withheld boolean not null default false,
    event_date date,
    occurred_at timestamptz,
    created_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_product_events_user_occurred on staging.stg_supabase_product_events (user_id, occurred_at);
create index idx_stg_product_events_batch on staging.stg_supabase_product_events (_batch_id);
create index idx_stg_product_events_feature_day on staging.stg_supabase_product_events (user_id, feature_name, event_date)
    where event_name = 'feature_used';
create index idx_stg_product_events_funnel on staging.stg_supabase_product_events (user_id, funnel_name)
    where event_name = 'funnel_step';

comment on table staging.stg_supabase_product_events is
    'Staging product events: one row per product event (feature use or funnel step), current state (SCD1). '
    'Properties are kept only when they hold no PII (warehouse.jsonb_has_pii); otherwise NULL and properties_withheld.';
comment on column staging.stg_supabase_product_events.event_id is 'Event id.';
comment on column staging.stg_supabase_product_events.user_id is 'The account that produced the event.';
comment on column staging.stg_supabase_product_events.session_id is 'The app session of the event; NULL when outside one.';
comment on column staging.stg_supabase_product_events.event_name is 'feature_used or funnel_step.';
comment on column staging.stg_supabase_product_events.feature_name is 'For feature_used: the app feature used.';
comment on column staging.stg_supabase_product_events.funnel_name is 'For funnel_step: the funnel.';
comment on column staging.stg_supabase_product_events.funnel_step is 'For funnel_step: the step reached.';
comment on column staging.stg_supabase_product_events.step_number is 'For funnel_step: the step''s position in its funnel, from 1.';
comment on column staging.stg_supabase_product_events.duration_seconds is 'For feature_used: seconds spent in the feature.';
comment on column staging.stg_supabase_product_events.properties is
    'Event properties, only when they hold no PII (warehouse.jsonb_has_pii is false); NULL otherwise.';
comment on column staging.stg_supabase_product_events.properties_withheld is 'The source properties looked like PII and were dropped.';
comment on column staging.stg_supabase_product_events.event_date is 'UTC date of occurred_at.';
comment on column staging.stg_supabase_product_events.occurred_at is 'When the event happened.';
comment on column staging.stg_supabase_product_events.created_at is 'When the source row was written.';
comment on column staging.stg_supabase_product_events.is_hard_deleted is 'The event was deleted from the source.';
comment on column staging.stg_supabase_product_events.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_product_events._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_product_events._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_product_events._dbt_loaded_at is 'When the pipeline last wrote the row.';

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_product_events__projection as
select
    r.id as event_id,
    r.user_id,
    r.session_id,
    r.event_name,
    r.feature_name,
    r.funnel_name,
    r.funnel_step,
    r.step_number,
    r.duration_seconds,
    case when pii.has_pii then null else r.properties end as properties,
    pii.has_pii as properties_withheld,
    (r.occurred_at at time zone 'UTC')::date as event_date,
    r.occurred_at,
    r.created_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_product_events as r
cross join lateral (select warehouse.jsonb_has_pii(r.properties) as has_pii offset 0) as pii;

comment on view staging.stg_supabase_product_events__projection is
    'Model stg_supabase_product_events: each raw version of raw.raw_supabase_product_events as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_product_events__projection', 'staging.stg_supabase_product_events');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_product_events', 'staging', 'staging', 'stg_supabase_product_events', 'merge_scd1', '{event_id}', 'staging.stg_supabase_product_events__projection',
    'one row per product event');

insert into warehouse.model_state (model_name) values ('stg_supabase_product_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('staging', 'stg_supabase_product_events', 'user_id = $1');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_product_events__event_id__unique', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'unique', 'event_id', 'event_id', '{}', 'error', 'Each product event appears once in staging.'),
    ('stg_supabase_product_events__user_id__not_null', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'not_null', 'user_id', 'event_id', '{"where": "not is_hard_deleted"}', 'error', 'Every product event belongs to a user.'),
    ('stg_supabase_product_events__user_id__relationships', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'relationships', 'user_id', 'event_id', '{"to_schema": "staging", "to_table": "stg_supabase_users", "to_column": "user_id"}', 'error',
        'Every product event''s user exists in staging.'),
    ('stg_supabase_product_events__event_name__accepted_values', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'accepted_values', 'event_name', 'event_id', '{"values": ["feature_used", "funnel_step"]}', 'error',
        'Product events are feature uses or funnel steps.'),
    ('stg_supabase_product_events__feature_name__accepted_values', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'accepted_values', 'feature_name', 'event_id',
        '{"values": ["pet_profile", "health_log", "vaccine_tracker", "care_reminders", "weight_tracker", "vet_finder", "photo_journal", "medication_schedule"]}',
        'warn', 'Features are the app''s eight (warn: a new feature can ship before the warehouse knows it).'),
    ('stg_supabase_product_events__no_negative_duration', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'no_negative', 'duration_seconds', 'event_id', '{}', 'error', 'Time spent in a feature is never negative.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_product_events', 'staging', 36, 'delete_rows', 'occurred_at',
        'Staging keeps 3 years of product events, by event time.');

-- ===============================================================================================
-- supabase/schemas/staging/stg_supabase_sessions.sql
-- ===============================================================================================

create table staging.stg_supabase_sessions (
    session_id uuid primary key,
    user_id uuid,
    session_date date,
    started_at timestamptz,
    last_activity_at timestamptz,
    ended_at timestamptz,
    duration_seconds integer,
    ip_hash varchar(64),
    device_type varchar(20),
    auth_method varchar(50),
    api_calls_count integer,
    features_used text[],
    created_at timestamptz,
    updated_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_sessions_user_started on staging.stg_supabase_sessions (user_id, started_at);
create index idx_stg_sessions_batch on staging.stg_supabase_sessions (_batch_id);

comment on table staging.stg_supabase_sessions is 'Staging sessions: one row per session, current state (SCD1); IP hashed, user agent dropped.';
comment on column staging.stg_supabase_sessions.session_id is 'Session id.';
comment on column staging.stg_supabase_sessions.user_id is 'The session''s user.';
comment on column staging.stg_supabase_sessions.session_date is 'UTC date the session started.';
comment on column staging.stg_supabase_sessions.started_at is 'Session start.';
comment on column staging.stg_supabase_sessions.last_activity_at is 'Last request seen.';
comment on column staging.stg_supabase_sessions.ended_at is 'Logout or expiry; NULL while open.';
comment on column staging.stg_supabase_sessions.duration_seconds is 'Seconds from start to end (or last activity); NULL if unknown.';
comment on column staging.stg_supabase_sessions.ip_hash is 'SHA-256(salt || client IP), hex.';
comment on column staging.stg_supabase_sessions.device_type is 'ios, android or web.';
comment on column staging.stg_supabase_sessions.auth_method is 'How the session was authenticated.';
comment on column staging.stg_supabase_sessions.api_calls_count is 'API calls made in the session.';
comment on column staging.stg_supabase_sessions.features_used is 'Features used in the session.';
comment on column staging.stg_supabase_sessions.created_at is 'Row creation time in the source.';
comment on column staging.stg_supabase_sessions.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_sessions.is_hard_deleted is 'The session was deleted from the source.';
comment on column staging.stg_supabase_sessions.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_sessions._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_sessions._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_sessions._dbt_loaded_at is 'When the pipeline last wrote the row.';

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_sessions__projection as
select
    r.id as session_id,
    r.user_id,
    (r.started_at at time zone 'UTC')::date as session_date,
    r.started_at,
    r.last_activity_at,
    r.ended_at,
    extract(epoch from coalesce(r.ended_at, r.last_activity_at) - r.started_at)::integer as duration_seconds,
    warehouse.salted_sha256(host(r.ip_address), k.salt) as ip_hash,
    r.device_type,
    r.auth_method,
    r.api_calls_count,
    coalesce(r.features_used, '{}') as features_used,
    r.created_at,
    r.updated_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_sessions as r
-- the salt once per query, not once per row
cross join (select warehouse.pii_salt() as salt offset 0) as k;

comment on view staging.stg_supabase_sessions__projection is
    'Model stg_supabase_sessions: each raw version of raw.raw_supabase_sessions as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_sessions__projection', 'staging.stg_supabase_sessions');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_sessions', 'staging', 'staging', 'stg_supabase_sessions', 'merge_scd1', '{session_id}', 'staging.stg_supabase_sessions__projection',
    'one row per session');

insert into warehouse.model_state (model_name) values ('stg_supabase_sessions');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_sessions__session_id__unique', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'unique', 'session_id', 'session_id', '{}', 'error',
        'Each session appears once in staging.'),
    ('stg_supabase_sessions__user_id__not_null', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'not_null', 'user_id', 'session_id',
        '{"where": "not is_hard_deleted"}', 'error', 'Every session belongs to a user.'),
    ('stg_supabase_sessions__user_id__relationships', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'relationships', 'user_id', 'session_id',
        '{"to_schema": "staging", "to_table": "stg_supabase_users", "to_column": "user_id"}', 'error',
        'Every session''s user exists in staging.'),
    ('stg_supabase_sessions__device_type__accepted_values', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'accepted_values',
        'device_type', 'session_id', '{"values": ["ios", "android", "web"]}', 'warn', 'Device types are ios, android or web.'),
    ('stg_supabase_sessions__ends_after_start', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'expression', null, 'session_id',
        '{"where": "ended_at < started_at"}', 'error', 'No session ends before it starts.'),
    ('stg_supabase_sessions__no_negative_metrics', 'stg_supabase_sessions', 'staging', 'stg_supabase_sessions', 'no_negative', null, 'session_id',
        '{"columns": ["api_calls_count", "duration_seconds"]}', 'error', 'Session counts and durations are never negative.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_sessions', 'staging', 36, 'delete_rows', 'started_at',
        'Staging keeps 3 years of sessions, by start time.');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('staging', 'stg_supabase_sessions', 'user_id = $1');

-- ===============================================================================================
-- supabase/schemas/staging/stg_supabase_users.sql
-- ===============================================================================================

-- Staging tables
create table staging.stg_supabase_users (
    user_id uuid primary key,
    email_hash varchar(64) not null,
    ip_hash varchar(64),
    email_domain varchar(255),
    email_masked text,
    email_verified boolean,
    has_password boolean,
    auth_methods text[],
    preferred_auth_method varchar(50),
    two_factor_enabled boolean,
    is_account_locked boolean,
    failed_login_attempts integer,
    last_login_at timestamptz,
    analytics_opt_out boolean not null default false,
    created_at timestamptz,
    updated_at timestamptz,
    deleted_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_users_email_hash on staging.stg_supabase_users (email_hash);
create index idx_stg_users_created_at on staging.stg_supabase_users (created_at);
create index idx_stg_users_batch on staging.stg_supabase_users (_batch_id);

comment on table staging.stg_supabase_users is
    'Staging users: one row per user ever extracted, current state (SCD1). No name, photo, raw email or IP: hashes and derived fields only.';
comment on column staging.stg_supabase_users.user_id is 'User id (public.users.id).';
comment on column staging.stg_supabase_users.email_hash is 'SHA-256(salt || lowercased, trimmed email), hex.';
comment on column staging.stg_supabase_users.ip_hash is 'SHA-256(salt || last login IP), hex.';
comment on column staging.stg_supabase_users.email_domain is 'Domain part of the email (gmail.com), lowercased.';
comment on column staging.stg_supabase_users.email_masked is 'Masked email (user***@example.com). For data engineers only; never in marts.';
comment on column staging.stg_supabase_users.email_verified is 'Whether the email was confirmed.';
comment on column staging.stg_supabase_users.has_password is 'Whether the account has a password.';
comment on column staging.stg_supabase_users.auth_methods is 'Sign-in methods enabled on the account.';
comment on column staging.stg_supabase_users.preferred_auth_method is 'The sign-in method the user last chose.';
comment on column staging.stg_supabase_users.two_factor_enabled is 'Whether two-factor authentication is on.';
comment on column staging.stg_supabase_users.is_account_locked is 'account_locked_until was in the future when the row was loaded.';
comment on column staging.stg_supabase_users.failed_login_attempts is 'Consecutive failed logins.';
comment on column staging.stg_supabase_users.last_login_at is 'Last successful login, as the app recorded it.';
comment on column staging.stg_supabase_users.analytics_opt_out is 'The user opted out of analytics: analysts see none of their rows.';
comment on column staging.stg_supabase_users.created_at is 'Sign-up time.';
comment on column staging.stg_supabase_users.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_users.deleted_at is 'Soft-delete time in the source.';
comment on column staging.stg_supabase_users.is_hard_deleted is 'The row was deleted from the source (a raw tombstone arrived).';
comment on column staging.stg_supabase_users.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_users._changed_at is 'Change time of the version applied; an older version never overwrites a newer one.';
comment on column staging.stg_supabase_users._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_users._dbt_loaded_at is 'When the pipeline last wrote the row (the seed''s dbt metadata column).';

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_users__projection as
select
    r.id as user_id,
    warehouse.salted_sha256(warehouse.normalise_email(r.email), k.salt) as email_hash,
    warehouse.salted_sha256(host(r.last_login_ip), k.salt) as ip_hash,
    nullif(lower(split_part(btrim(r.email), '@', 2)), '') as email_domain,
    warehouse.mask_email(r.email) as email_masked,
    r.email_verified,
    r.has_password,
    r.auth_methods,
    r.preferred_auth_method,
    r.two_factor_enabled,
    coalesce(r.account_locked_until > now(), false) as is_account_locked,
    r.failed_login_attempts,
    r.last_login_at,
    coalesce(r.analytics_opt_out, false) as analytics_opt_out,
    r.created_at,
    r.updated_at,
    r.deleted_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_users as r
-- the salt once per query, not once per row
cross join (select warehouse.pii_salt() as salt offset 0) as k;

comment on view staging.stg_supabase_users__projection is
    'Model stg_supabase_users: each raw version of raw.raw_supabase_users as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_users__projection', 'staging.stg_supabase_users');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_users', 'staging', 'staging', 'stg_supabase_users', 'merge_scd1', '{user_id}', 'staging.stg_supabase_users__projection',
    'one row per user');

insert into warehouse.model_state (model_name) values ('stg_supabase_users');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_users__user_id__unique', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'unique', 'user_id', 'user_id', '{}', 'error',
        'Each user appears once in staging.'),
    ('stg_supabase_users__user_id__not_null', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'not_null', 'user_id', null, '{}', 'error',
        'Every staging user has an id.'),
    ('stg_supabase_users__email_hash__not_null', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'not_null', 'email_hash', 'user_id', '{}', 'error',
        'Every staging user has an email hash.'),
    ('stg_supabase_users__email_hash__unique', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'unique', 'email_hash', 'user_id',
        '{"where": "not is_hard_deleted"}', 'error',
        'An email (trimmed, lowercased) belongs to one user: two accounts with one email are a duplicate key.'),
    ('stg_supabase_users__preferred_auth_method__accepted_values', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'accepted_values',
        'preferred_auth_method', 'user_id', '{"values": ["email", "google", "apple", "magic_link"]}', 'warn',
        'Preferred sign-in methods are the ones the app offers.'),
    ('assert_source_user_counts_match', 'stg_supabase_users', 'staging', 'stg_supabase_users', 'row_count_match', null, null,
        '{"relations": [{"schema": "public", "table": "users", "label": "source"},
                        {"schema": "staging", "table": "stg_supabase_users", "where": "not is_hard_deleted", "label": "staging"}]}',
        'warn', 'The source and staging hold the same users (warn: the source keeps changing while the pipeline runs).');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('staging', 'stg_supabase_users', 'user_id = $1');

-- ===============================================================================================
-- supabase/schemas/marts/core/marts_core_auth_events.sql
-- ===============================================================================================

create table marts.marts_core_auth_events (
    event_id uuid primary key,
    user_id uuid,
    event_date date not null,
    occurred_at timestamptz not null,
    event_type varchar(30) not null,
    auth_method varchar(50),
    failure_reason varchar(100),
    is_login_attempt boolean not null,
    is_login_success boolean not null,
    is_login_failure boolean not null,
    is_token_refresh boolean not null,
    ip_hash varchar(64),
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_auth_events_date on marts.marts_core_auth_events (event_date);
create index idx_marts_auth_events_user on marts.marts_core_auth_events (user_id, occurred_at);

comment on table marts.marts_core_auth_events is
    'Fact: authentication events. Grain: one row per authentication event. Use: security monitoring, auth funnel.';
comment on column marts.marts_core_auth_events.event_id is 'The event.';
comment on column marts.marts_core_auth_events.user_id is 'The account; NULL for an unknown email.';
comment on column marts.marts_core_auth_events.event_date is 'UTC date of the event.';
comment on column marts.marts_core_auth_events.occurred_at is 'When it happened.';
comment on column marts.marts_core_auth_events.event_type is 'login_success, login_failure, token_refresh, logout or password_reset.';
comment on column marts.marts_core_auth_events.auth_method is 'Method used.';
comment on column marts.marts_core_auth_events.failure_reason is 'Why a login failed.';
comment on column marts.marts_core_auth_events.is_login_attempt is 'A login was attempted (success or failure).';
comment on column marts.marts_core_auth_events.is_login_success is 'The login succeeded.';
comment on column marts.marts_core_auth_events.is_login_failure is 'The login failed.';
comment on column marts.marts_core_auth_events.is_token_refresh is 'A session token was refreshed.';
comment on column marts.marts_core_auth_events.ip_hash is 'Salted SHA-256 of the client IP: lets security spot repeats without the address.';
comment on column marts.marts_core_auth_events.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_core_auth_events._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation. Touched: the events staging changed, and the older events of a user who opted
-- out (or back in) since: the opt-out follows.
do $atomic$
begin
    execute $body$
create function marts.marts_core_auth_events__touched(p_from_batch bigint, p_to_batch bigint)
returns table (event_id uuid)
language sql
stable
begin atomic
    select e.event_id
    from staging.stg_supabase_auth_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch
    union
    select m.event_id
    from staging.stg_supabase_users as u
    join marts.marts_core_auth_events as m on m.user_id = u.user_id
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
      and m.analytics_opt_out is distinct from u.analytics_opt_out;
end
$body$;
end
$atomic$;

comment on function marts.marts_core_auth_events__touched(bigint, bigint) is
    'Model marts_core_auth_events: the events batches (p_from_batch, p_to_batch] changed, and the events of users whose opt-out changed.';

do $atomic$
begin
    execute $body$
create function marts.marts_core_auth_events__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_auth_events
language sql
stable
begin atomic
    with touched as (
        select t.event_id from marts.marts_core_auth_events__touched(p_from_batch, p_to_batch) as t
    ),
    final as (
        select
            e.event_id,
            e.user_id,
            e.event_date,
            e.occurred_at,
            e.event_type,
            e.auth_method,
            e.failure_reason,
            e.event_type in ('login_success', 'login_failure') as is_login_attempt,
            e.event_type = 'login_success' as is_login_success,
            e.event_type = 'login_failure' as is_login_failure,
            e.event_type = 'token_refresh' as is_token_refresh,
            e.ip_hash,
            coalesce(u.analytics_opt_out, false) as analytics_opt_out,
            now() as _dbt_loaded_at
        from touched as t
        join staging.stg_supabase_auth_events as e on e.event_id = t.event_id
        left join staging.stg_supabase_users as u on u.user_id = e.user_id
        where not e.is_hard_deleted
    )
    select * from final;
end
$body$;
end
$atomic$;

comment on function marts.marts_core_auth_events__rows(bigint, bigint) is
    'Model marts_core_auth_events: the mart rows of the touched events, from staging; hard-deleted events have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_core_auth_events', 'marts', 'marts', 'marts_core_auth_events', 'recompute_keys', '{event_id}',
    'marts.marts_core_auth_events__rows', 'marts.marts_core_auth_events__touched', '{event_id}', 'one row per authentication event');

insert into warehouse.model_state (model_name) values ('marts_core_auth_events');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_auth_events__event_id__unique', 'marts_core_auth_events', 'marts', 'marts_core_auth_events', 'unique', 'event_id', 'event_id', '{}', 'error',
        'One row per auth event.'),
    ('marts_core_auth_events__user_id__relationships', 'marts_core_auth_events', 'marts', 'marts_core_auth_events', 'relationships', 'user_id', 'event_id',
        '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'warn',
        'Auth events name known users (warn: events of deleted accounts stay in the app''s log).');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_core_auth_events', 'marts', 60, 'delete_rows', 'event_date',
        'Marts keep 5 years of auth events.');

select warehouse.enable_mart_rls('marts_core_auth_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_core_auth_events', 'user_id = $1');

-- ===============================================================================================
-- supabase/schemas/marts/core/marts_core_dim_users.sql
-- ===============================================================================================

create table marts.marts_core_dim_users (
    user_id uuid primary key,
    email_domain varchar(255),
    signup_cohort varchar(20),
    auth_methods text[],
    preferred_auth_method varchar(50),
    two_factor_enabled boolean,
    lifecycle_stage varchar(50),
    first_login_at timestamptz,
    last_login_at timestamptz,
    created_at timestamptz,
    deleted_at timestamptz,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_dim_users_lifecycle on marts.marts_core_dim_users (lifecycle_stage);
create index idx_marts_dim_users_cohort on marts.marts_core_dim_users (signup_cohort);

comment on table marts.marts_core_dim_users is
    'Dimension: user attributes. Grain: one row per user (hard-deleted users removed). Use: cohort analysis, segmentation.';
comment on column marts.marts_core_dim_users.user_id is 'The user.';
comment on column marts.marts_core_dim_users.email_domain is 'Email domain (gmail.com); never the address.';
comment on column marts.marts_core_dim_users.signup_cohort is 'Sign-up year, month and week of month, as the seed shows: 2026-01-W4.';
comment on column marts.marts_core_dim_users.auth_methods is 'Sign-in methods enabled.';
comment on column marts.marts_core_dim_users.preferred_auth_method is 'The sign-in method the user last chose.';
comment on column marts.marts_core_dim_users.two_factor_enabled is 'Whether two-factor authentication is on.';
comment on column marts.marts_core_dim_users.lifecycle_stage is 'new, active, at_risk or churned today (warehouse.lifecycle_stage_definitions).';
comment on column marts.marts_core_dim_users.first_login_at is 'First successful login seen.';
comment on column marts.marts_core_dim_users.last_login_at is 'Last successful login (app record or events, the later).';
comment on column marts.marts_core_dim_users.created_at is 'Sign-up time.';
comment on column marts.marts_core_dim_users.deleted_at is 'Soft-delete time; the seed''s example queries filter on deleted_at IS NULL.';
comment on column marts.marts_core_dim_users.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_core_dim_users._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation. Touched: users whose staging row changed or who logged in, and users whose
-- lifecycle stage changed with the date alone. The post hook records every stage change in
-- marts_core_lifecycle_transitions (defined in that file): the history an SCD1 dimension does not keep.
do $atomic$
begin
    execute $body$
create function marts.marts_core_dim_users__touched(p_from_batch bigint, p_to_batch bigint)
returns table (user_id uuid)
language sql
stable
begin atomic
    select u.user_id
    from staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
    union
    select e.user_id
    from staging.stg_supabase_auth_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.user_id is not null and e.event_type = 'login_success'
    union
    select d.user_id
    from marts.marts_core_dim_users as d
    where d.lifecycle_stage is distinct from warehouse.lifecycle_stage(
        current_date - (d.created_at at time zone 'UTC')::date,
        current_date - (d.last_login_at at time zone 'UTC')::date);
end
$body$;
end
$atomic$;

comment on function marts.marts_core_dim_users__touched(bigint, bigint) is
    'Model marts_core_dim_users: the users batches (p_from_batch, p_to_batch] changed, and those whose stage moved with the date.';

do $atomic$
begin
    execute $body$
create function marts.marts_core_dim_users__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_dim_users
language sql
stable
begin atomic
    with touched as (
        select t.user_id from marts.marts_core_dim_users__touched(p_from_batch, p_to_batch) as t
    ),
    logins as (
        select e.user_id, min(e.occurred_at) as first_login_at, max(e.occurred_at) as last_login_at
        from staging.stg_supabase_auth_events as e
        join touched as t on t.user_id = e.user_id
        where e.event_type = 'login_success' and not e.is_hard_deleted
        group by e.user_id
    ),
    computed as (
        select
            u.user_id,
            u.email_domain,
            to_char(u.created_at at time zone 'UTC', 'YYYY-MM-"W"W') as signup_cohort,
            u.auth_methods,
            u.preferred_auth_method,
            u.two_factor_enabled,
            l.first_login_at,
            greatest(u.last_login_at, l.last_login_at) as last_login_at,
            u.created_at,
            u.deleted_at,
            u.analytics_opt_out
        from staging.stg_supabase_users as u
        join touched as t on t.user_id = u.user_id
        left join logins as l on l.user_id = u.user_id
        where not u.is_hard_deleted
    ),
    final as (
        select
            c.user_id,
            c.email_domain,
            c.signup_cohort,
            c.auth_methods,
            c.preferred_auth_method,
            c.two_factor_enabled,
            warehouse.lifecycle_stage(
                current_date - (c.created_at at time zone 'UTC')::date,
                current_date - (c.last_login_at at time zone 'UTC')::date) as lifecycle_stage,
            c.first_login_at,
            c.last_login_at,
            c.created_at,
            c.deleted_at,
            c.analytics_opt_out,
            now() as _dbt_loaded_at
        from computed as c
    )
    select * from final;
end
$body$;
end
$atomic$;

comment on function marts.marts_core_dim_users__rows(bigint, bigint) is
    'Model marts_core_dim_users: the rows of the touched users, from staging, with today''s lifecycle stage; '
    'hard-deleted users have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, post_hook, grain)
values ('marts_core_dim_users', 'marts', 'marts', 'marts_core_dim_users', 'recompute_keys', '{user_id}',
    'marts.marts_core_dim_users__rows', 'marts.marts_core_dim_users__touched', '{user_id}',
    'marts.marts_core_lifecycle_transitions__record', 'one row per user');

insert into warehouse.model_state (model_name) values ('marts_core_dim_users');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_dim_users__user_id__unique', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'unique', 'user_id', 'user_id', '{}', 'error',
        'One row per user.'),
    ('marts_core_dim_users__user_id__not_null', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'not_null', 'user_id', null, '{}', 'error',
        'Every row has a user.'),
    ('marts_core_dim_users__lifecycle_stage__not_null', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'not_null', 'lifecycle_stage', 'user_id', '{}', 'error',
        'Every user has a lifecycle stage.'),
    ('marts_core_dim_users__lifecycle_stage__accepted_values', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'accepted_values',
        'lifecycle_stage', 'user_id', '{"values": ["new", "active", "at_risk", "churned"]}', 'error', 'Lifecycle stages are the defined ones.'),
    ('assert_user_counts_match', 'marts_core_dim_users', 'marts', 'marts_core_dim_users', 'row_count_match', null, null,
        '{"relations": [{"schema": "warehouse", "table": "raw_current_users", "label": "raw"},
                        {"schema": "staging", "table": "stg_supabase_users", "where": "not is_hard_deleted", "label": "staging"},
                        {"schema": "marts", "table": "marts_core_dim_users", "label": "marts"}]}',
        'error', 'The seed''s assert_user_counts_match: raw, staging and marts hold the same users.');

select warehouse.enable_mart_rls('marts_core_dim_users');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_core_dim_users', 'user_id = $1');

-- ===============================================================================================
-- supabase/schemas/marts/core/marts_core_lifecycle_transitions.sql
-- ===============================================================================================

-- Lifecycle transitions: the history an SCD1 dimension does not keep (written by the dim models post hook)
create table marts.marts_core_lifecycle_transitions (
    user_id uuid not null,
    changed_on date not null,
    from_stage varchar(50),
    to_stage varchar(50) not null,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (user_id, changed_on, to_stage)
);

create index idx_marts_lifecycle_transitions_changed_on on marts.marts_core_lifecycle_transitions (changed_on);

comment on table marts.marts_core_lifecycle_transitions is
    'Fact: lifecycle stage changes. Grain: one row per user per stage change (from_stage NULL when the user first appears). '
    'Written by the marts_core_dim_users model whenever a user''s stage changes.';
comment on column marts.marts_core_lifecycle_transitions.user_id is 'The user.';
comment on column marts.marts_core_lifecycle_transitions.changed_on is 'UTC date the pipeline saw the change.';
comment on column marts.marts_core_lifecycle_transitions.from_stage is 'Stage before; NULL for a user new to the warehouse.';
comment on column marts.marts_core_lifecycle_transitions.to_stage is 'Stage after.';
comment on column marts.marts_core_lifecycle_transitions.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_core_lifecycle_transitions._dbt_loaded_at is 'When the pipeline wrote the row.';

-- Written by the marts_core_dim_users model's post hook, right after the dimension is refreshed: a
-- user's stage that differs from the last stage recorded for them is a transition (from_stage NULL for
-- a user the history has not seen). A user who opted out (or back in) is followed here too.
do $atomic$
begin
    execute $body$
create function marts.marts_core_lifecycle_transitions__record(p_from_batch bigint, p_to_batch bigint)
returns void
language sql
begin atomic
    insert into marts.marts_core_lifecycle_transitions (user_id, changed_on, from_stage, to_stage, analytics_opt_out)
    select d.user_id, current_date, l.to_stage, d.lifecycle_stage, d.analytics_opt_out
    from marts.marts_core_dim_users as d
    left join lateral (
        select t.to_stage
        from marts.marts_core_lifecycle_transitions as t
        where t.user_id = d.user_id
        order by t.changed_on desc, t._dbt_loaded_at desc
        limit 1
    ) as l on true
    where d.lifecycle_stage is distinct from l.to_stage
    on conflict (user_id, changed_on, to_stage) do nothing;
    update marts.marts_core_lifecycle_transitions as t
    set analytics_opt_out = u.analytics_opt_out
    from staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
      and t.user_id = u.user_id and t.analytics_opt_out is distinct from u.analytics_opt_out;
end
$body$;
end
$atomic$;

comment on function marts.marts_core_lifecycle_transitions__record(bigint, bigint) is
    'Post hook of marts_core_dim_users: records each user whose stage differs from their last recorded one as a '
    'transition dated today, and follows opt-out changes of batches (p_from_batch, p_to_batch].';

select warehouse.enable_mart_rls('marts_core_lifecycle_transitions');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_core_lifecycle_transitions', 'user_id = $1');

-- ===============================================================================================
-- supabase/schemas/marts/core/marts_core_user_activity_daily.sql
-- ===============================================================================================

-- Mart tables (columns as the seed gives them)
create table marts.marts_core_user_activity_daily (
    activity_date date not null,
    user_id uuid not null,
    login_count integer default 0,
    session_count integer default 0,
    api_calls_count integer default 0,
    features_used text[],
    engagement_score numeric,
    is_active boolean,
    days_since_signup integer,
    days_since_last_login integer,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (activity_date, user_id)
);

create index idx_marts_activity_daily_user on marts.marts_core_user_activity_daily (user_id, activity_date);

comment on table marts.marts_core_user_activity_daily is
    'Fact: user activity by day. Grain: one row per user per day on which the user had a session or an auth event. Use: DAU, engagement trends.';
comment on column marts.marts_core_user_activity_daily.activity_date is 'The UTC day.';
comment on column marts.marts_core_user_activity_daily.user_id is 'The user.';
comment on column marts.marts_core_user_activity_daily.login_count is 'Successful logins that day.';
comment on column marts.marts_core_user_activity_daily.session_count is 'Sessions started that day.';
comment on column marts.marts_core_user_activity_daily.api_calls_count is 'API calls in the sessions started that day.';
comment on column marts.marts_core_user_activity_daily.features_used is 'Distinct features used in those sessions, sorted.';
comment on column marts.marts_core_user_activity_daily.engagement_score is
    'logins * w_login + sessions * w_session + API calls * w_api + distinct features * w_feature (weights in warehouse.metric_definitions).';
comment on column marts.marts_core_user_activity_daily.is_active is 'Logged in that day or within the active window (30 days) before it.';
comment on column marts.marts_core_user_activity_daily.days_since_signup is 'Days from the sign-up date to activity_date.';
comment on column marts.marts_core_user_activity_daily.days_since_last_login is 'Days from the last login on or before activity_date; NULL if none yet.';
comment on column marts.marts_core_user_activity_daily.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_core_user_activity_daily._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation. Touched: the (user, day) pairs whose sessions or auth events changed, and every
-- day of a user who opted out (or back in) since, or was hard-deleted (they leave the mart).
do $atomic$
begin
    execute $body$
create function marts.marts_core_user_activity_daily__touched(p_from_batch bigint, p_to_batch bigint)
returns table (user_id uuid, activity_date date)
language sql
stable
begin atomic
    select s.user_id, s.session_date
    from staging.stg_supabase_sessions as s
    where s._batch_id > p_from_batch and s._batch_id <= p_to_batch and s.user_id is not null
    union
    select e.user_id, e.event_date
    from staging.stg_supabase_auth_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.user_id is not null
    union
    select m.user_id, m.activity_date
    from staging.stg_supabase_users as u
    join marts.marts_core_user_activity_daily as m on m.user_id = u.user_id
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
      and (u.is_hard_deleted or m.analytics_opt_out is distinct from u.analytics_opt_out);
end
$body$;
end
$atomic$;

comment on function marts.marts_core_user_activity_daily__touched(bigint, bigint) is
    'Model marts_core_user_activity_daily: the (user, day) pairs that batches (p_from_batch, p_to_batch] changed.';

do $atomic$
begin
    execute $body$
create function marts.marts_core_user_activity_daily__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_core_user_activity_daily
language sql
stable
begin atomic
    with rules as (
        select
            warehouse.metric('active_window_days')::integer as active_days,
            warehouse.metric('engagement_weight_login') as weight_login,
            warehouse.metric('engagement_weight_session') as weight_session,
            warehouse.metric('engagement_weight_api_call') as weight_api_call,
            warehouse.metric('engagement_weight_feature') as weight_feature
        offset 0
    ),
    touched as (
        select distinct t.user_id, t.activity_date
        from marts.marts_core_user_activity_daily__touched(p_from_batch, p_to_batch) as t
    ),
    sessions_day as (
        select s.user_id, s.session_date as activity_date, count(*)::integer as session_count,
               coalesce(sum(s.api_calls_count), 0)::integer as api_calls_count
        from staging.stg_supabase_sessions as s
        join touched as t on t.user_id = s.user_id and t.activity_date = s.session_date
        where not s.is_hard_deleted
        group by 1, 2
    ),
    features_day as (
        select s.user_id, s.session_date as activity_date, array_agg(distinct f.feature order by f.feature) as features_used
        from staging.stg_supabase_sessions as s
        join touched as t on t.user_id = s.user_id and t.activity_date = s.session_date
        cross join lateral unnest(s.features_used) as f (feature)
        where not s.is_hard_deleted
        group by 1, 2
    ),
    events_day as (
        select e.user_id, e.event_date as activity_date, count(*)::integer as event_count,
               (count(*) filter (where e.event_type = 'login_success'))::integer as login_count
        from staging.stg_supabase_auth_events as e
        join touched as t on t.user_id = e.user_id and t.activity_date = e.event_date
        where not e.is_hard_deleted
        group by 1, 2
    ),
    login_days as (
        select distinct e.user_id, e.event_date as login_date
        from staging.stg_supabase_auth_events as e
        where e.user_id in (select t.user_id from touched as t)
          and e.event_type = 'login_success'
          and not e.is_hard_deleted
    ),
    timeline as (
        select t.user_id, t.activity_date as day from touched as t
        union
        select l.user_id, l.login_date from login_days as l
    ),
    last_login as (
        select tl.user_id, tl.day,
               max(l.login_date) over (partition by tl.user_id order by tl.day) as last_login_date
        from timeline as tl
        left join login_days as l on l.user_id = tl.user_id and l.login_date = tl.day
    ),
    final as (
        select
            t.activity_date,
            t.user_id,
            coalesce(ev.login_count, 0) as login_count,
            coalesce(sd.session_count, 0) as session_count,
            coalesce(sd.api_calls_count, 0) as api_calls_count,
            coalesce(fd.features_used, '{}') as features_used,
            coalesce(ev.login_count, 0) * k.weight_login
                + coalesce(sd.session_count, 0) * k.weight_session
                + coalesce(sd.api_calls_count, 0) * k.weight_api_call
                + coalesce(cardinality(fd.features_used), 0) * k.weight_feature as engagement_score,
            coalesce(t.activity_date - ll.last_login_date < k.active_days, false) as is_active,
            t.activity_date - (u.created_at at time zone 'UTC')::date as days_since_signup,
            t.activity_date - ll.last_login_date as days_since_last_login,
            u.analytics_opt_out,
            now() as _dbt_loaded_at
        from touched as t
        cross join rules as k
        join staging.stg_supabase_users as u on u.user_id = t.user_id and not u.is_hard_deleted
        left join sessions_day as sd on sd.user_id = t.user_id and sd.activity_date = t.activity_date
        left join features_day as fd on fd.user_id = t.user_id and fd.activity_date = t.activity_date
        left join events_day as ev on ev.user_id = t.user_id and ev.activity_date = t.activity_date
        left join last_login as ll on ll.user_id = t.user_id and ll.day = t.activity_date
        where coalesce(sd.session_count, 0) + coalesce(ev.event_count, 0) > 0
    )
    select * from final;
end
$body$;
end
$atomic$;

comment on function marts.marts_core_user_activity_daily__rows(bigint, bigint) is
    'Model marts_core_user_activity_daily: the rows of the touched (user, day) pairs, from staging. A pair with no '
    'session or event left (deleted) has no row.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_core_user_activity_daily', 'marts', 'marts', 'marts_core_user_activity_daily', 'recompute_keys', '{activity_date,user_id}',
    'marts.marts_core_user_activity_daily__rows', 'marts.marts_core_user_activity_daily__touched', '{user_id,activity_date}',
    'one row per user per day with activity');

insert into warehouse.model_state (model_name) values ('marts_core_user_activity_daily');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_core_user_activity_daily__pk__unique', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily', 'unique', null, null,
        '{"columns": ["activity_date", "user_id"]}', 'error', 'One row per user per day.'),
    ('marts_core_user_activity_daily__user_id__relationships', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily',
        'relationships', 'user_id', 'user_id', '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'error',
        'Every active user-day belongs to a user of the dimension.'),
    ('assert_no_negative_metrics', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily', 'no_negative', null, 'user_id',
        '{"columns": ["login_count", "session_count", "api_calls_count", "engagement_score", "days_since_last_login"]}', 'error',
        'The seed''s assert_no_negative_metrics: counts, scores and day gaps are never negative.'),
    ('marts_core_user_activity_daily__no_activity_before_signup', 'marts_core_user_activity_daily', 'marts', 'marts_core_user_activity_daily',
        'expression', null, 'user_id', '{"where": "days_since_signup < 0"}', 'error', 'No activity is dated before the user signed up.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_core_user_activity_daily', 'marts', 60, 'delete_rows', 'activity_date',
        'Marts keep 5 years of daily user activity.');

select warehouse.enable_mart_rls('marts_core_user_activity_daily');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_core_user_activity_daily', 'user_id = $1');

-- ===============================================================================================
-- supabase/schemas/marts/pets/marts_pets__touched.sql
-- ===============================================================================================

-- The pets a batch touched, shared by the pets marts that recompute per pet (marts_pets_health_events,
-- marts_pets_care_schedule, marts_pets_weight_history, and within their own touched functions
-- marts_pets_attention_needed and marts_pets_dim_pets): every pet whose own row, owner, weigh-ins,
-- health events or care tasks changed in the batches.
--
-- In its own file, named to sort before the pets model files (schema_paths applies
-- ./schemas/marts/*/marts_*.sql in lexicographic order, and '_' sorts before every letter): their
-- BEGIN ATOMIC functions call this one, and such a body is checked when it is created.

do $atomic$
begin
    execute $body$
create function marts.pets_touched(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
begin atomic
    select p.pet_id from staging.stg_supabase_pets as p
    where p._batch_id > p_from_batch and p._batch_id <= p_to_batch
    union
    select w.pet_id from staging.stg_supabase_pet_weights as w
    where w._batch_id > p_from_batch and w._batch_id <= p_to_batch and w.pet_id is not null
    union
    select e.pet_id from staging.stg_supabase_health_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch and e.pet_id is not null
    union
    select t.pet_id from staging.stg_supabase_care_tasks as t
    where t._batch_id > p_from_batch and t._batch_id <= p_to_batch and t.pet_id is not null
    union
    select p.pet_id from staging.stg_supabase_pets as p
    join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch;
end
$body$;
end
$atomic$;

comment on function marts.pets_touched(bigint, bigint) is
    'The pets (one row each) whose staging rows (pet, weigh-ins, health events, care tasks) or whose owner''s staging row '
    'changed in batches (p_from_batch, p_to_batch]: the touched function of the pets marts that recompute per pet.';

-- ===============================================================================================
-- supabase/schemas/marts/pets/marts_pets_attention_needed.sql
-- ===============================================================================================

-- Model marts_pets_attention_needed. Grain: one row per pet per reason per subject needing attention today.
-- Materialized per pet (recompute_keys on pet_id). What needs attention moves with the date as well as
-- with the data: besides the pets the batches touched, the first run recomputes every pet, and a run on
-- a later day than the last one (warehouse.model_state.refreshed_at) recomputes the pets listed (days
-- overdue grow, rows expire) and every pet that can be listed today: a vaccine dose due within the
-- window or overdue, a medication dose due within the gap lookback, a weigh-in within the weight window.
--
-- The old refresh function recomputed, on a new day, the pets listed and those whose due dates or
-- weigh-ins had crossed a boundary since the last run. That is not enough here: the materializer calls
-- the touched function, deletes those pets' rows, and the rows function then calls the touched function
-- again, when the listed pets (read from this mart) are gone. The pets that can be listed today are
-- found from staging alone, so both calls find them; a pet listed before and not among them has no row
-- today, and its rows are deleted, as before.

create table marts.marts_pets_attention_needed (
    pet_id uuid not null,
    reason varchar(30) not null,
    subject varchar(100) not null,
    owner_user_id uuid not null,
    species varchar(20),
    due_on date,
    days_overdue integer not null default 0,
    weight_change_pct numeric(8,1),
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (pet_id, reason, subject)
);

create index idx_marts_pets_attention_reason on marts.marts_pets_attention_needed (reason);

comment on table marts.marts_pets_attention_needed is
    'Proactive care: what needs attention now. Grain: one row per pet per reason per subject (vaccine, medication or weight). '
    'Reasons: vaccine_due (latest dose says the next is due within pet_vaccine_due_window_days), vaccine_overdue (due date '
    'passed), medication_gap (a medication dose due in the last pet_medication_gap_lookback_days days was not given), '
    'abnormal_weight_change (latest weigh-in within pet_weight_change_window_days of today differs by more than '
    'pet_weight_change_pct from the previous one within that window; not for growing pets). Pets or owners deleted are left out.';
comment on column marts.marts_pets_attention_needed.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_attention_needed.reason is 'vaccine_due, vaccine_overdue, medication_gap or abnormal_weight_change.';
comment on column marts.marts_pets_attention_needed.subject is 'The vaccine or medication concerned, or weight.';
comment on column marts.marts_pets_attention_needed.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_attention_needed.species is 'The pet''s species.';
comment on column marts.marts_pets_attention_needed.due_on is 'When the dose was due, or the day of the abnormal weigh-in.';
comment on column marts.marts_pets_attention_needed.days_overdue is 'Days past due_on today (0 when not yet due, and for weight).';
comment on column marts.marts_pets_attention_needed.weight_change_pct is 'For abnormal_weight_change: the change in percent.';
comment on column marts.marts_pets_attention_needed.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_attention_needed._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
do $atomic$
begin
    execute $body$
create function marts.marts_pets_attention_needed__touched(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
begin atomic
    with previous_run as (
        select (
            select (s.refreshed_at at time zone 'UTC')::date
            from warehouse.model_state as s
            where s.model_name = 'marts_pets_attention_needed') as previous_date
    ),
    rules as (
        select
            warehouse.metric('pet_vaccine_due_window_days')::integer as due_window,
            warehouse.metric('pet_medication_gap_lookback_days')::integer as gap_lookback,
            warehouse.metric('pet_weight_change_window_days')::integer as weight_window
    )
    -- the pets the batches touched
    select t.pet_id
    from marts.pets_touched(p_from_batch, p_to_batch) as t
    union
    -- the first run (or a model never refreshed): every pet
    select p.pet_id
    from staging.stg_supabase_pets as p
    cross join previous_run as r
    where r.previous_date is null
    union
    -- the date moved since the last run: the pets listed ...
    select a.pet_id
    from marts.marts_pets_attention_needed as a
    cross join previous_run as r
    where r.previous_date < current_date
    union
    -- ... and every pet that can be listed today: a vaccine dose due within the window or overdue, a
    -- medication dose due within the gap lookback, a weigh-in within the weight window
    select e.pet_id
    from staging.stg_supabase_health_events as e
    cross join previous_run as r
    cross join rules as k
    where r.previous_date < current_date and e.pet_id is not null
      and ((e.event_type = 'vaccine' and e.next_due_on <= current_date + k.due_window)
        or (e.event_type = 'medication' and e.next_due_on < current_date and e.next_due_on >= current_date - k.gap_lookback))
    union
    select w.pet_id
    from staging.stg_supabase_pet_weights as w
    cross join previous_run as r
    cross join rules as k
    where r.previous_date < current_date and w.pet_id is not null and w.weighed_on >= current_date - k.weight_window;
end
$body$;
end
$atomic$;

comment on function marts.marts_pets_attention_needed__touched(bigint, bigint) is
    'Model marts_pets_attention_needed: the pets (one row each) to recompute for batches (p_from_batch, p_to_batch]: '
    'those the batches touched (marts.pets_touched); on the first run every pet; and when the date moved since the last '
    'run (warehouse.model_state.refreshed_at) the pets listed and every pet whose doses or weigh-ins can qualify today.';

do $atomic$
begin
    execute $body$
create function marts.marts_pets_attention_needed__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_attention_needed
language sql
stable
begin atomic
    -- Each step carries the pet's columns along rather than joining back to the pets: staging was
    -- written in this transaction and has no statistics yet, and a join of two CTEs estimated at one
    -- row each would be planned as a nested loop.
    with rules as (
        select
            warehouse.metric('pet_vaccine_due_window_days')::integer as due_window,
            warehouse.metric('pet_medication_gap_lookback_days')::integer as gap_lookback,
            warehouse.metric('pet_weight_change_pct') as weight_pct,
            warehouse.metric('pet_weight_change_window_days')::integer as weight_window
    ),
    pets as (
        select p.pet_id, p.owner_user_id, p.species, warehouse.pet_age_months(p.birth_date, current_date) as age_months,
               coalesce(u.analytics_opt_out, false) as analytics_opt_out
        from staging.stg_supabase_pets as p
        join marts.marts_pets_attention_needed__touched(p_from_batch, p_to_batch) as t on t.pet_id = p.pet_id
        left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
        where not p.is_hard_deleted and p.deleted_at is null
          and u.deleted_at is null and not coalesce(u.is_hard_deleted, false)
    ),
    latest_doses as (
        select distinct on (e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name))
            e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name) as subject, e.next_due_on,
            p.owner_user_id, p.species, p.analytics_opt_out
        from staging.stg_supabase_health_events as e
        join pets as p on p.pet_id = e.pet_id
        where not e.is_hard_deleted and e.event_type in ('vaccine', 'medication')
          and coalesce(e.vaccine_name, e.medication_name) is not null
        order by e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name), e.occurred_on desc,
                 e.next_due_on desc nulls last, e.health_event_id
    ),
    -- every weigh-in, numbered from the latest (recency 1), with the latest one's day and weight
    weights as (
        select w.pet_id, w.weighed_on, w.weight_kg,
               row_number() over latest_first as recency,
               first_value(w.weighed_on) over latest_first as latest_weighed_on,
               first_value(w.weight_kg) over latest_first as latest_weight_kg,
               p.owner_user_id, p.species, p.age_months, p.analytics_opt_out
        from staging.stg_supabase_pet_weights as w
        join pets as p on p.pet_id = w.pet_id
        where not w.is_hard_deleted
        window latest_first as (partition by w.pet_id order by w.weighed_on desc, w.weight_id)
    ),
    -- the latest weigh-in, when within the window of today, and the previous one within the window of it
    weight_changes as (
        select distinct on (w.pet_id)
            w.pet_id, w.latest_weighed_on, w.latest_weight_kg, w.weight_kg as previous_weight_kg,
            w.owner_user_id, w.species, w.age_months, w.analytics_opt_out
        from weights as w
        cross join rules as k
        where w.latest_weighed_on >= current_date - k.weight_window
          and w.weighed_on < w.latest_weighed_on and w.weighed_on >= w.latest_weighed_on - k.weight_window
        order by w.pet_id, w.weighed_on desc, w.recency
    ),
    reasons as (
        select d.pet_id, case when d.next_due_on < current_date then 'vaccine_overdue' else 'vaccine_due' end as reason,
               d.subject, d.owner_user_id, d.species, d.next_due_on as due_on,
               greatest(current_date - d.next_due_on, 0) as days_overdue, null::numeric as weight_change_pct,
               d.analytics_opt_out
        from latest_doses as d
        cross join rules as k
        where d.event_type = 'vaccine' and d.next_due_on <= current_date + k.due_window
        union all
        select d.pet_id, 'medication_gap', d.subject, d.owner_user_id, d.species, d.next_due_on,
               current_date - d.next_due_on, null, d.analytics_opt_out
        from latest_doses as d
        cross join rules as k
        where d.event_type = 'medication' and d.next_due_on < current_date and d.next_due_on >= current_date - k.gap_lookback
        union all
        select c.pet_id, 'abnormal_weight_change', 'weight', c.owner_user_id, c.species, c.latest_weighed_on, 0,
               round((c.latest_weight_kg - c.previous_weight_kg) / c.previous_weight_kg * 100, 1), c.analytics_opt_out
        from weight_changes as c
        cross join rules as k
        where c.previous_weight_kg > 0
          and abs(c.latest_weight_kg - c.previous_weight_kg) / c.previous_weight_kg * 100 > k.weight_pct
          and not warehouse.pet_is_growing(c.species, c.age_months)
    ),
    final as (
        select r.pet_id, r.reason, r.subject, r.owner_user_id, r.species, r.due_on, r.days_overdue, r.weight_change_pct,
               r.analytics_opt_out, now() as _dbt_loaded_at
        from reasons as r
    )
    select * from final;
end
$body$;
end
$atomic$;

comment on function marts.marts_pets_attention_needed__rows(bigint, bigint) is
    'Model marts_pets_attention_needed: what needs attention today for the pets of marts_pets_attention_needed__touched '
    '(batches p_from_batch, p_to_batch], computed from staging: vaccines due or overdue, medication gaps and abnormal weight '
    'changes (rules in warehouse.metric_definitions and pet_life_stage_definitions); deleted pets and owners have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_attention_needed', 'marts', 'marts', 'marts_pets_attention_needed', 'recompute_keys', '{pet_id,reason,subject}',
    'marts.marts_pets_attention_needed__rows', 'marts.marts_pets_attention_needed__touched', '{pet_id}',
    'one row per pet per reason per subject needing attention today');

insert into warehouse.model_state (model_name) values ('marts_pets_attention_needed');

select warehouse.enable_mart_rls('marts_pets_attention_needed');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('marts', 'marts_pets_attention_needed', 'owner_user_id = $1', 100);

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_attention_needed__pk__unique', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed', 'unique', null, null,
        '{"columns": ["pet_id", "reason", "subject"]}', 'error', 'One row per pet per reason per subject.'),
    ('marts_pets_attention_needed__pet_id__not_null', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed', 'not_null', 'pet_id',
        null, '{}', 'error', 'Every row has a pet.'),
    ('marts_pets_attention_needed__reason__accepted_values', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed',
        'accepted_values', 'reason', 'pet_id', '{"values": ["vaccine_due", "vaccine_overdue", "medication_gap", "abnormal_weight_change"]}', 'error',
        'Attention reasons are the defined ones.'),
    ('marts_pets_attention_needed__pet_id__relationships', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed', 'relationships',
        'pet_id', 'pet_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every pet needing attention is a pet of the dimension.');

-- ===============================================================================================
-- supabase/schemas/marts/pets/marts_pets_care_schedule.sql
-- ===============================================================================================

-- Model marts_pets_care_schedule. Grain: one row per scheduled care task.
-- Materialized per pet (recompute_keys on pet_id): the pets a batch touched (marts.pets_touched) have
-- all their care tasks recomputed from staging (a new owner or an opt-out follows); a hard-deleted
-- task or pet has none.

create table marts.marts_pets_care_schedule (
    care_task_id uuid primary key,
    pet_id uuid not null,
    owner_user_id uuid not null,
    species varchar(20),
    task_type varchar(20) not null,
    due_on date,
    status varchar(20),
    reminder_sent boolean not null default false,
    reminder_sent_at timestamptz,
    reminder_lead_days integer,
    completed_at timestamptz,
    completed_on_time boolean not null default false,
    days_late integer,
    created_at timestamptz,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_pets_care_schedule_pet on marts.marts_pets_care_schedule (pet_id, due_on);
create index idx_marts_pets_care_schedule_due on marts.marts_pets_care_schedule (due_on);

comment on table marts.marts_pets_care_schedule is
    'Fact: pet care tasks. Grain: one row per scheduled care task. Use: reminder effectiveness, care compliance.';
comment on column marts.marts_pets_care_schedule.care_task_id is 'The care task.';
comment on column marts.marts_pets_care_schedule.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_care_schedule.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_care_schedule.species is 'The pet''s species.';
comment on column marts.marts_pets_care_schedule.task_type is 'vaccine_due, medication, grooming, vet_checkup or weigh_in.';
comment on column marts.marts_pets_care_schedule.due_on is 'Day the task is due.';
comment on column marts.marts_pets_care_schedule.status is 'scheduled, completed or skipped.';
comment on column marts.marts_pets_care_schedule.reminder_sent is 'A reminder was sent.';
comment on column marts.marts_pets_care_schedule.reminder_sent_at is 'When the reminder was sent.';
comment on column marts.marts_pets_care_schedule.reminder_lead_days is 'Days from the reminder (UTC date) to due_on.';
comment on column marts.marts_pets_care_schedule.completed_at is 'When the task was marked done.';
comment on column marts.marts_pets_care_schedule.completed_on_time is 'Completed by the end of due_on (UTC).';
comment on column marts.marts_pets_care_schedule.days_late is 'For completed tasks: days after due_on (0 when on time); NULL otherwise.';
comment on column marts.marts_pets_care_schedule.created_at is 'When the task was scheduled.';
comment on column marts.marts_pets_care_schedule.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_care_schedule._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation: the touched function is the shared marts.pets_touched (marts_pets__touched.sql).
do $atomic$
begin
    execute $body$
create function marts.marts_pets_care_schedule__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_care_schedule
language sql
stable
begin atomic
    select
        c.care_task_id,
        c.pet_id,
        p.owner_user_id,
        p.species,
        c.task_type,
        c.due_on,
        c.status,
        c.reminder_sent_at is not null as reminder_sent,
        c.reminder_sent_at,
        c.due_on - (c.reminder_sent_at at time zone 'UTC')::date as reminder_lead_days,
        c.completed_at,
        coalesce((c.completed_at at time zone 'UTC')::date <= c.due_on, false) as completed_on_time,
        (case when c.completed_at is not null then greatest((c.completed_at at time zone 'UTC')::date - c.due_on, 0) end) as days_late,
        c.created_at,
        coalesce(u.analytics_opt_out, false) as analytics_opt_out,
        now() as _dbt_loaded_at
    from staging.stg_supabase_care_tasks as c
    join marts.pets_touched(p_from_batch, p_to_batch) as t on t.pet_id = c.pet_id
    join staging.stg_supabase_pets as p on p.pet_id = c.pet_id and not p.is_hard_deleted
    left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    where not c.is_hard_deleted;
end
$body$;
end
$atomic$;

comment on function marts.marts_pets_care_schedule__rows(bigint, bigint) is
    'Model marts_pets_care_schedule: the mart rows of every care task of the pets touched in batches '
    '(p_from_batch, p_to_batch] (marts.pets_touched), computed from staging; hard-deleted tasks and pets have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_care_schedule', 'marts', 'marts', 'marts_pets_care_schedule', 'recompute_keys', '{care_task_id}',
    'marts.marts_pets_care_schedule__rows', 'marts.pets_touched', '{pet_id}', 'one row per scheduled care task');

insert into warehouse.model_state (model_name) values ('marts_pets_care_schedule');

select warehouse.enable_mart_rls('marts_pets_care_schedule');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('marts', 'marts_pets_care_schedule', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_pets_care_schedule', 'marts', 60, 'delete_rows', 'due_on', 'Marts keep 5 years of care tasks, by due date.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_care_schedule__care_task_id__unique', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'unique', 'care_task_id',
        'care_task_id', '{}', 'error', 'One row per care task.'),
    ('marts_pets_care_schedule__care_task_id__not_null', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'not_null',
        'care_task_id', null, '{}', 'error', 'Every row has a care task.'),
    ('marts_pets_care_schedule__pet_id__relationships', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'relationships', 'pet_id',
        'care_task_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every care task belongs to a pet of the dimension.'),
    ('marts_pets_care_schedule__status__accepted_values', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'accepted_values',
        'status', 'care_task_id', '{"values": ["scheduled", "completed", "skipped"]}', 'error', 'Care task statuses are the defined ones.'),
    ('marts_pets_care_schedule__no_negative_days', 'marts_pets_care_schedule', 'marts', 'marts_pets_care_schedule', 'no_negative', null,
        'care_task_id', '{"columns": ["days_late"]}', 'error', 'Days late are never negative.');

-- ===============================================================================================
-- supabase/schemas/marts/pets/marts_pets_dim_pets.sql
-- ===============================================================================================

-- Model marts_pets_dim_pets. Grain: one row per pet (hard-deleted pets removed; soft-deleted ones keep deleted_at).
-- Materialized per pet (recompute_keys on pet_id). Age, life stage and the statuses are as of the run,
-- and health_status reads marts_pets_attention_needed (so this model runs after that one): besides the
-- pets the batches touched, every pet whose age, life stage, vaccination or health status in the
-- dimension is no longer today's is touched and recomputed (the old refresh function updated those
-- columns in place).
--
-- Those pets are found by reading this dimension; the materializer deletes the touched pets' rows
-- before the rows function runs, and the rows function's own call of the touched function no longer
-- finds them. So the rows function recomputes the touched pets and every staging pet missing from the
-- dimension: after the delete, the same pets (the dimension holds every other pet of staging).

create table marts.marts_pets_dim_pets (
    pet_id uuid primary key,
    owner_user_id uuid not null,
    species varchar(20),
    breed varchar(100),
    sex varchar(10),
    is_neutered boolean,
    birth_date date,
    age_months integer,
    age_years integer,
    life_stage varchar(20),
    vaccination_status varchar(20),
    health_status varchar(20),
    vaccine_doses integer not null default 0,
    next_vaccine_due_on date,
    last_vet_visit_on date,
    latest_weight_kg numeric(6,2),
    latest_weighed_on date,
    created_at timestamptz,
    deleted_at timestamptz,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_dim_pets_owner on marts.marts_pets_dim_pets (owner_user_id);
create index idx_marts_dim_pets_species on marts.marts_pets_dim_pets (species, life_stage);

comment on table marts.marts_pets_dim_pets is
    'Dimension: pets. Grain: one row per pet (hard-deleted pets removed; soft-deleted ones keep deleted_at). '
    'Use: pet demographics, health insights, vaccination compliance. Age, life stage and statuses are as of the last run.';
comment on column marts.marts_pets_dim_pets.pet_id is 'The pet.';
comment on column marts.marts_pets_dim_pets.owner_user_id is 'The pet''s owner (marts_core_dim_users.user_id).';
comment on column marts.marts_pets_dim_pets.species is 'dog, cat, rabbit, bird or other.';
comment on column marts.marts_pets_dim_pets.breed is 'Breed as the owner entered it.';
comment on column marts.marts_pets_dim_pets.sex is 'male, female or unknown.';
comment on column marts.marts_pets_dim_pets.is_neutered is 'Whether the pet is spayed or neutered.';
comment on column marts.marts_pets_dim_pets.birth_date is 'Birth date.';
comment on column marts.marts_pets_dim_pets.age_months is 'Age in whole months today.';
comment on column marts.marts_pets_dim_pets.age_years is 'Age in whole years today.';
comment on column marts.marts_pets_dim_pets.life_stage is
    'puppy, kitten, juvenile, adult, senior or unknown today (warehouse.pet_life_stage_definitions).';
comment on column marts.marts_pets_dim_pets.vaccination_status is
    'no_record (no vaccine dose on record), overdue (the latest dose of some vaccine has next_due_on before today) or up_to_date.';
comment on column marts.marts_pets_dim_pets.health_status is
    'vaccine_overdue (vaccination_status overdue), needs_attention (a row in marts_pets_attention_needed) or up_to_date.';
comment on column marts.marts_pets_dim_pets.vaccine_doses is 'Vaccine doses on record.';
comment on column marts.marts_pets_dim_pets.next_vaccine_due_on is 'Earliest next_due_on among the latest dose of each vaccine; NULL: none due.';
comment on column marts.marts_pets_dim_pets.last_vet_visit_on is 'Day of the latest vet visit on record.';
comment on column marts.marts_pets_dim_pets.latest_weight_kg is 'Weight at the latest weigh-in, in kilograms.';
comment on column marts.marts_pets_dim_pets.latest_weighed_on is 'Day of the latest weigh-in.';
comment on column marts.marts_pets_dim_pets.created_at is 'When the pet was added to the app.';
comment on column marts.marts_pets_dim_pets.deleted_at is 'Soft-delete time of the pet profile; NULL while it exists.';
comment on column marts.marts_pets_dim_pets.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_dim_pets._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation. Both functions apply the same status rules (see the column comments).
do $atomic$
begin
    execute $body$
create function marts.marts_pets_dim_pets__touched(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
begin atomic
    with attention as (
        select distinct a.pet_id from marts.marts_pets_attention_needed as a
    ),
    today as (
        select
            d.pet_id, d.species, d.age_months, d.life_stage, d.vaccination_status, d.health_status,
            warehouse.pet_age_months(d.birth_date, current_date) as age_months_today,
            case
                when d.vaccine_doses = 0 then 'no_record'
                when d.next_vaccine_due_on < current_date then 'overdue'
                else 'up_to_date'
            end as vaccination_status_today,
            a.pet_id is not null as needs_attention
        from marts.marts_pets_dim_pets as d
        left join attention as a on a.pet_id = d.pet_id
    )
    -- the pets the batches touched
    select t.pet_id
    from marts.pets_touched(p_from_batch, p_to_batch) as t
    union
    -- the pets whose values moved with the date or with marts_pets_attention_needed
    select s.pet_id
    from today as s
    where (s.age_months, s.life_stage, s.vaccination_status, s.health_status) is distinct from (
        s.age_months_today,
        warehouse.pet_life_stage(s.species, s.age_months_today),
        s.vaccination_status_today,
        case
            when s.vaccination_status_today = 'overdue' then 'vaccine_overdue'
            when s.needs_attention then 'needs_attention'
            else 'up_to_date'
        end);
end
$body$;
end
$atomic$;

comment on function marts.marts_pets_dim_pets__touched(bigint, bigint) is
    'Model marts_pets_dim_pets: the pets (one row each) to recompute for batches (p_from_batch, p_to_batch]: those the '
    'batches touched (marts.pets_touched), and those whose age, life stage, vaccination or health status in the dimension '
    'is no longer today''s (the date moved, or marts_pets_attention_needed changed).';

do $atomic$
begin
    execute $body$
create function marts.marts_pets_dim_pets__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_dim_pets
language sql
stable
begin atomic
    -- the touched pets, and every staging pet missing from the dimension (after the materializer's
    -- delete: also the touched pets that the touched function, reading the dimension, no longer finds)
    with touched as (
        select t.pet_id from marts.marts_pets_dim_pets__touched(p_from_batch, p_to_batch) as t
        union
        select p.pet_id
        from staging.stg_supabase_pets as p
        where not exists (select 1 from marts.marts_pets_dim_pets as d where d.pet_id = p.pet_id)
    ),
    pets as (
        select p.pet_id, p.owner_user_id, p.species, p.breed, p.sex, p.is_neutered, p.birth_date, p.created_at, p.deleted_at
        from staging.stg_supabase_pets as p
        join touched as t on t.pet_id = p.pet_id
        where not p.is_hard_deleted
    ),
    events as (
        select e.pet_id, e.event_type, e.vaccine_name, e.occurred_on, e.next_due_on, e.health_event_id
        from staging.stg_supabase_health_events as e
        join pets as p on p.pet_id = e.pet_id
        where not e.is_hard_deleted
    ),
    latest_vaccine_doses as (
        select distinct on (e.pet_id, e.vaccine_name) e.pet_id, e.next_due_on
        from events as e
        where e.event_type = 'vaccine' and e.vaccine_name is not null
        order by e.pet_id, e.vaccine_name, e.occurred_on desc, e.next_due_on desc nulls last, e.health_event_id
    ),
    vaccines as (
        select d.pet_id, min(d.next_due_on) as next_vaccine_due_on from latest_vaccine_doses as d group by d.pet_id
    ),
    event_summary as (
        select e.pet_id,
               count(*) filter (where e.event_type = 'vaccine')::integer as vaccine_doses,
               max(e.occurred_on) filter (where e.event_type = 'vet_visit') as last_vet_visit_on
        from events as e
        group by e.pet_id
    ),
    latest_weight as (
        select distinct on (w.pet_id) w.pet_id, w.weight_kg, w.weighed_on
        from staging.stg_supabase_pet_weights as w
        join pets as p on p.pet_id = w.pet_id
        where not w.is_hard_deleted
        order by w.pet_id, w.weighed_on desc, w.weight_id
    ),
    attention as (
        select distinct a.pet_id from marts.marts_pets_attention_needed as a
    ),
    computed as (
        select
            p.pet_id, p.owner_user_id, p.species, p.breed, p.sex, p.is_neutered, p.birth_date,
            warehouse.pet_age_months(p.birth_date, current_date) as age_months,
            case
                when coalesce(s.vaccine_doses, 0) = 0 then 'no_record'
                when v.next_vaccine_due_on < current_date then 'overdue'
                else 'up_to_date'
            end as vaccination_status,
            a.pet_id is not null as needs_attention,
            coalesce(s.vaccine_doses, 0) as vaccine_doses, v.next_vaccine_due_on, s.last_vet_visit_on,
            w.weight_kg as latest_weight_kg, w.weighed_on as latest_weighed_on,
            p.created_at, p.deleted_at, coalesce(u.analytics_opt_out, false) as analytics_opt_out
        from pets as p
        left join event_summary as s on s.pet_id = p.pet_id
        left join vaccines as v on v.pet_id = p.pet_id
        left join latest_weight as w on w.pet_id = p.pet_id
        left join attention as a on a.pet_id = p.pet_id
        left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    ),
    final as (
        select
            c.pet_id,
            c.owner_user_id,
            c.species,
            c.breed,
            c.sex,
            c.is_neutered,
            c.birth_date,
            c.age_months,
            c.age_months / 12 as age_years,
            warehouse.pet_life_stage(c.species, c.age_months) as life_stage,
            c.vaccination_status,
            case
                when c.vaccination_status = 'overdue' then 'vaccine_overdue'
                when c.needs_attention then 'needs_attention'
                else 'up_to_date'
            end as health_status,
            c.vaccine_doses,
            c.next_vaccine_due_on,
            c.last_vet_visit_on,
            c.latest_weight_kg,
            c.latest_weighed_on,
            c.created_at,
            c.deleted_at,
            c.analytics_opt_out,
            now() as _dbt_loaded_at
        from computed as c
    )
    select * from final;
end
$body$;
end
$atomic$;

comment on function marts.marts_pets_dim_pets__rows(bigint, bigint) is
    'Model marts_pets_dim_pets: the dimension rows, computed from staging and marts_pets_attention_needed with today''s '
    'age, life stage and statuses, of the pets of marts_pets_dim_pets__touched (batches p_from_batch, p_to_batch] and of '
    'every staging pet missing from the dimension (after the materializer''s delete, the same pets); hard-deleted pets have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_dim_pets', 'marts', 'marts', 'marts_pets_dim_pets', 'recompute_keys', '{pet_id}',
    'marts.marts_pets_dim_pets__rows', 'marts.marts_pets_dim_pets__touched', '{pet_id}', 'one row per pet');

insert into warehouse.model_state (model_name) values ('marts_pets_dim_pets');

select warehouse.enable_mart_rls('marts_pets_dim_pets');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('marts', 'marts_pets_dim_pets', 'owner_user_id = $1', 100);

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_dim_pets__pet_id__unique', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'unique', 'pet_id', 'pet_id', '{}', 'error',
        'One row per pet.'),
    ('marts_pets_dim_pets__pet_id__not_null', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'not_null', 'pet_id', null, '{}', 'error',
        'Every row has a pet.'),
    ('marts_pets_dim_pets__owner_user_id__relationships', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'relationships', 'owner_user_id',
        'pet_id', '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'warn',
        'Every pet''s owner is a user of the dimension (warn: an owner deleted from the app may leave pets behind for a run).'),
    ('marts_pets_dim_pets__species__accepted_values', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'accepted_values', 'species', 'pet_id',
        '{"values": ["dog", "cat", "rabbit", "bird", "other"]}', 'error', 'Species are the five the app offers.'),
    ('marts_pets_dim_pets__life_stage__accepted_values', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'accepted_values', 'life_stage',
        'pet_id', '{"values": ["puppy", "kitten", "juvenile", "adult", "senior", "unknown"]}', 'error', 'Life stages are the defined ones.'),
    ('marts_pets_dim_pets__health_status__accepted_values', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'accepted_values',
        'health_status', 'pet_id', '{"values": ["up_to_date", "vaccine_overdue", "needs_attention"]}', 'error', 'Health statuses are the defined ones.'),
    ('marts_pets_dim_pets__health_status__not_null', 'marts_pets_dim_pets', 'marts', 'marts_pets_dim_pets', 'not_null', 'health_status', 'pet_id',
        '{}', 'error', 'Every pet has a health status.');

-- ===============================================================================================
-- supabase/schemas/marts/pets/marts_pets_health_events.sql
-- ===============================================================================================

-- Model marts_pets_health_events. Grain: one row per health event (vet visit, vaccine or medication dose).
-- Materialized per pet (recompute_keys on pet_id): the pets a batch touched (marts.pets_touched) have
-- all their health events recomputed from staging, since is_overdue_at_time compares each dose with
-- the previous one of the same vaccine or medication; a hard-deleted event or pet has none.

create table marts.marts_pets_health_events (
    health_event_id uuid primary key,
    pet_id uuid not null,
    owner_user_id uuid not null,
    species varchar(20),
    event_type varchar(20) not null,
    event_date date,
    vaccine_name varchar(100),
    medication_name varchar(100),
    outcome text,
    next_due_on date,
    pet_birth_date date,
    pet_age_months integer,
    is_overdue_at_time boolean not null default false,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_pets_health_events_pet on marts.marts_pets_health_events (pet_id, event_date);
create index idx_marts_pets_health_events_date on marts.marts_pets_health_events (event_date);

comment on table marts.marts_pets_health_events is
    'Fact: pet health events. Grain: one row per health event (vet visit, vaccine dose, medication dose). '
    'Use: vaccination compliance, health trends. No free-text notes.';
comment on column marts.marts_pets_health_events.health_event_id is 'The health event.';
comment on column marts.marts_pets_health_events.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_health_events.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_health_events.species is 'The pet''s species.';
comment on column marts.marts_pets_health_events.event_type is 'vet_visit, vaccine or medication.';
comment on column marts.marts_pets_health_events.event_date is 'Day of the visit or dose.';
comment on column marts.marts_pets_health_events.vaccine_name is 'For vaccines: which vaccine.';
comment on column marts.marts_pets_health_events.medication_name is 'For medications: which medication.';
comment on column marts.marts_pets_health_events.outcome is 'Outcome of the visit or dose.';
comment on column marts.marts_pets_health_events.next_due_on is 'For vaccines and medications: when the next dose is due.';
comment on column marts.marts_pets_health_events.pet_birth_date is 'The pet''s birth date (denormalised: no dose before birth).';
comment on column marts.marts_pets_health_events.pet_age_months is 'The pet''s age in whole months on event_date.';
comment on column marts.marts_pets_health_events.is_overdue_at_time is
    'A vaccine or medication dose given after the previous dose of the same vaccine or medication said the next was due.';
comment on column marts.marts_pets_health_events.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_health_events._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation: the touched function is the shared marts.pets_touched (marts_pets__touched.sql).
do $atomic$
begin
    execute $body$
create function marts.marts_pets_health_events__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_health_events
language sql
stable
begin atomic
    with events as (
        select e.health_event_id, e.pet_id, e.event_type, e.occurred_on, e.vaccine_name, e.medication_name, e.outcome,
               e.next_due_on
        from staging.stg_supabase_health_events as e
        join marts.pets_touched(p_from_batch, p_to_batch) as t on t.pet_id = e.pet_id
        where not e.is_hard_deleted
    ),
    final as (
        select
            e.health_event_id,
            e.pet_id,
            p.owner_user_id,
            p.species,
            e.event_type,
            e.occurred_on as event_date,
            e.vaccine_name,
            e.medication_name,
            e.outcome,
            e.next_due_on,
            p.birth_date as pet_birth_date,
            warehouse.pet_age_months(p.birth_date, e.occurred_on) as pet_age_months,
            case when e.event_type in ('vaccine', 'medication') then coalesce(e.occurred_on > lag(e.next_due_on) over (
                partition by e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name)
                order by e.occurred_on, e.health_event_id), false)
            else false end as is_overdue_at_time,
            coalesce(u.analytics_opt_out, false) as analytics_opt_out,
            now() as _dbt_loaded_at
        from events as e
        join staging.stg_supabase_pets as p on p.pet_id = e.pet_id and not p.is_hard_deleted
        left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    )
    select * from final;
end
$body$;
end
$atomic$;

comment on function marts.marts_pets_health_events__rows(bigint, bigint) is
    'Model marts_pets_health_events: the mart rows of every health event of the pets touched in batches '
    '(p_from_batch, p_to_batch] (marts.pets_touched), computed from staging; hard-deleted events and pets have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_health_events', 'marts', 'marts', 'marts_pets_health_events', 'recompute_keys', '{health_event_id}',
    'marts.marts_pets_health_events__rows', 'marts.pets_touched', '{pet_id}',
    'one row per health event (vet visit, vaccine or medication dose)');

insert into warehouse.model_state (model_name) values ('marts_pets_health_events');

select warehouse.enable_mart_rls('marts_pets_health_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('marts', 'marts_pets_health_events', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_pets_health_events', 'marts', 60, 'delete_rows', 'event_date', 'Marts keep 5 years of health events.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_health_events__health_event_id__unique', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'unique',
        'health_event_id', 'health_event_id', '{}', 'error', 'One row per health event.'),
    ('marts_pets_health_events__health_event_id__not_null', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'not_null',
        'health_event_id', null, '{}', 'error', 'Every row has a health event.'),
    ('marts_pets_health_events__pet_id__relationships', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'relationships', 'pet_id',
        'health_event_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every health event belongs to a pet of the dimension.'),
    ('marts_pets_health_events__event_type__accepted_values', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'accepted_values',
        'event_type', 'health_event_id', '{"values": ["vet_visit", "vaccine", "medication"]}', 'error',
        'Health event types are vet_visit, vaccine and medication.'),
    ('marts_pets_health_events__no_vaccine_before_birth', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'expression', null,
        'health_event_id', '{"where": "event_type = ''vaccine'' and event_date < pet_birth_date"}', 'error',
        'No vaccine is dated before the pet was born.');

-- ===============================================================================================
-- supabase/schemas/marts/pets/marts_pets_weight_history.sql
-- ===============================================================================================

-- Model marts_pets_weight_history. Grain: one row per weigh-in.
-- Materialized per pet (recompute_keys on pet_id): the pets a batch touched (marts.pets_touched) have
-- all their weigh-ins recomputed from staging, since each row compares a weigh-in with the pet's
-- previous one; a hard-deleted weigh-in or pet has none.

create table marts.marts_pets_weight_history (
    weight_id uuid primary key,
    pet_id uuid not null,
    owner_user_id uuid not null,
    species varchar(20),
    weighed_on date not null,
    weight_kg numeric(6,2) not null,
    life_stage varchar(20),
    previous_weight_kg numeric(6,2),
    previous_weighed_on date,
    change_pct numeric(8,1),
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_pets_weight_history_pet on marts.marts_pets_weight_history (pet_id, weighed_on);
create index idx_marts_pets_weight_history_date on marts.marts_pets_weight_history (weighed_on);

comment on table marts.marts_pets_weight_history is
    'Fact: pet weigh-ins. Grain: one row per weigh-in. Use: weight trends by species and life stage, growth and abnormal changes.';
comment on column marts.marts_pets_weight_history.weight_id is 'The weigh-in.';
comment on column marts.marts_pets_weight_history.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_weight_history.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_weight_history.species is 'The pet''s species.';
comment on column marts.marts_pets_weight_history.weighed_on is 'Day of the weigh-in.';
comment on column marts.marts_pets_weight_history.weight_kg is 'Weight in kilograms.';
comment on column marts.marts_pets_weight_history.life_stage is 'The pet''s life stage on weighed_on.';
comment on column marts.marts_pets_weight_history.previous_weight_kg is 'Weight at the pet''s previous weigh-in.';
comment on column marts.marts_pets_weight_history.previous_weighed_on is 'Day of the previous weigh-in.';
comment on column marts.marts_pets_weight_history.change_pct is 'Change from the previous weigh-in, in percent.';
comment on column marts.marts_pets_weight_history.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_weight_history._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation: the touched function is the shared marts.pets_touched (marts_pets__touched.sql).
do $atomic$
begin
    execute $body$
create function marts.marts_pets_weight_history__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_weight_history
language sql
stable
begin atomic
    with weights as (
        select
            w.weight_id, w.pet_id, w.weighed_on, w.weight_kg,
            lag(w.weight_kg) over (partition by w.pet_id order by w.weighed_on, w.weight_id) as previous_weight_kg,
            lag(w.weighed_on) over (partition by w.pet_id order by w.weighed_on, w.weight_id) as previous_weighed_on
        from staging.stg_supabase_pet_weights as w
        join marts.pets_touched(p_from_batch, p_to_batch) as t on t.pet_id = w.pet_id
        where not w.is_hard_deleted
    ),
    final as (
        select
            w.weight_id,
            w.pet_id,
            p.owner_user_id,
            p.species,
            w.weighed_on,
            w.weight_kg,
            warehouse.pet_life_stage(p.species, warehouse.pet_age_months(p.birth_date, w.weighed_on)) as life_stage,
            w.previous_weight_kg,
            w.previous_weighed_on,
            round((w.weight_kg - w.previous_weight_kg) / nullif(w.previous_weight_kg, 0) * 100, 1) as change_pct,
            coalesce(u.analytics_opt_out, false) as analytics_opt_out,
            now() as _dbt_loaded_at
        from weights as w
        join staging.stg_supabase_pets as p on p.pet_id = w.pet_id and not p.is_hard_deleted
        left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    )
    select * from final;
end
$body$;
end
$atomic$;

comment on function marts.marts_pets_weight_history__rows(bigint, bigint) is
    'Model marts_pets_weight_history: the mart rows of every weigh-in of the pets touched in batches '
    '(p_from_batch, p_to_batch] (marts.pets_touched), computed from staging with the change from the previous '
    'weigh-in; hard-deleted weigh-ins and pets have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_weight_history', 'marts', 'marts', 'marts_pets_weight_history', 'recompute_keys', '{weight_id}',
    'marts.marts_pets_weight_history__rows', 'marts.pets_touched', '{pet_id}', 'one row per weigh-in');

insert into warehouse.model_state (model_name) values ('marts_pets_weight_history');

select warehouse.enable_mart_rls('marts_pets_weight_history');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('marts', 'marts_pets_weight_history', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_pets_weight_history', 'marts', 60, 'delete_rows', 'weighed_on', 'Marts keep 5 years of weigh-ins.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_weight_history__weight_id__unique', 'marts_pets_weight_history', 'marts', 'marts_pets_weight_history', 'unique', 'weight_id',
        'weight_id', '{}', 'error', 'One row per weigh-in.'),
    ('marts_pets_weight_history__weight_id__not_null', 'marts_pets_weight_history', 'marts', 'marts_pets_weight_history', 'not_null', 'weight_id',
        null, '{}', 'error', 'Every row has a weigh-in.'),
    ('marts_pets_weight_history__pet_id__relationships', 'marts_pets_weight_history', 'marts', 'marts_pets_weight_history', 'relationships',
        'pet_id', 'weight_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every weigh-in belongs to a pet of the dimension.');

-- ===============================================================================================
-- supabase/schemas/marts/product/marts_product_feature_usage.sql
-- ===============================================================================================

-- Model marts_product_feature_usage. Grain: one row per feature per user per day (feature_used events).
-- Materialized per day (recompute_keys on the unique key usage_date, user_id, feature_name). Touched:
-- every day of a (user, feature) pair with a use the batches changed (a late or deleted use can move
-- the pair's first day, is_first_use_ever), every day of a user whose staging row changed (an opt-out,
-- or back in, follows), and every row of a hard-deleted user (no rows). A day with no use left has no
-- row. The old refresh function updated is_first_use_ever and analytics_opt_out in place; here those
-- days are recomputed from staging. Days the mart keeps beyond staging's retention (36 months; the
-- mart keeps 60) are not touched (staging no longer holds their events, so an opt-out no longer
-- reaches them), but they still count for their pair's first day.

create table marts.marts_product_feature_usage (
    usage_date date not null,
    user_id uuid not null,
    feature_name varchar(50) not null,
    usage_count integer not null default 0,
    time_spent_seconds bigint not null default 0,
    first_used_at timestamptz,
    is_first_use_ever boolean not null default false,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (usage_date, user_id, feature_name)
);

create index idx_marts_feature_usage_user on marts.marts_product_feature_usage (user_id, feature_name, usage_date);

comment on table marts.marts_product_feature_usage is
    'Fact: feature usage by day. Grain: one row per feature per user per day on which the user used the feature '
    '(feature_used events). Use: feature adoption, A/B test results.';
comment on column marts.marts_product_feature_usage.usage_date is 'The UTC day.';
comment on column marts.marts_product_feature_usage.user_id is 'The user.';
comment on column marts.marts_product_feature_usage.feature_name is 'The app feature.';
comment on column marts.marts_product_feature_usage.usage_count is 'feature_used events of the feature that day.';
comment on column marts.marts_product_feature_usage.time_spent_seconds is 'Seconds spent in the feature that day (sum of the events'' durations).';
comment on column marts.marts_product_feature_usage.first_used_at is 'The first use of the feature that day.';
comment on column marts.marts_product_feature_usage.is_first_use_ever is 'This is the user''s first day with the feature in the warehouse.';
comment on column marts.marts_product_feature_usage.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_product_feature_usage._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
do $atomic$
begin
    execute $body$
create function marts.marts_product_feature_usage__touched(p_from_batch bigint, p_to_batch bigint)
returns table (usage_date date, user_id uuid, feature_name varchar(50))
language sql
stable
begin atomic
    with changed_users as (
        select u.user_id, u.is_hard_deleted
        from staging.stg_supabase_users as u
        where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
    ),
    changed_pairs as (
        select distinct e.user_id, e.feature_name
        from staging.stg_supabase_product_events as e
        where e._batch_id > p_from_batch and e._batch_id <= p_to_batch
          and e.event_name = 'feature_used' and e.user_id is not null and e.feature_name is not null and e.event_date is not null
    )
    -- every day of a pair with a use the batches changed
    select e.event_date, e.user_id, e.feature_name
    from staging.stg_supabase_product_events as e
    join changed_pairs as c on c.user_id = e.user_id and c.feature_name = e.feature_name
    where e.event_name = 'feature_used' and e.event_date is not null
    union
    -- every day of a user whose staging row changed
    select e.event_date, e.user_id, e.feature_name
    from staging.stg_supabase_product_events as e
    join changed_users as u on u.user_id = e.user_id
    where e.event_name = 'feature_used' and e.feature_name is not null and e.event_date is not null
    union
    -- every row of a user hard-deleted, also the days staging no longer holds
    select m.usage_date, m.user_id, m.feature_name
    from marts.marts_product_feature_usage as m
    join changed_users as u on u.user_id = m.user_id
    where u.is_hard_deleted;
end
$body$;
end
$atomic$;

comment on function marts.marts_product_feature_usage__touched(bigint, bigint) is
    'Model marts_product_feature_usage: the (usage_date, user_id, feature_name) days to recompute for batches '
    '(p_from_batch, p_to_batch]: every day of a (user, feature) with a feature_used event the batches changed, every day '
    'of a user whose staging row they changed, and every row of a user they hard-deleted.';

do $atomic$
begin
    execute $body$
create function marts.marts_product_feature_usage__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_product_feature_usage
language sql
stable
begin atomic
    with touched as (
        select t.usage_date, t.user_id, t.feature_name
        from marts.marts_product_feature_usage__touched(p_from_batch, p_to_batch) as t
    ),
    usage_day as (
        select e.user_id, e.feature_name, e.event_date as usage_date, count(*)::integer as usage_count,
               coalesce(sum(e.duration_seconds), 0)::bigint as time_spent_seconds, min(e.occurred_at) as first_used_at
        from staging.stg_supabase_product_events as e
        join touched as t on t.user_id = e.user_id and t.feature_name = e.feature_name and t.usage_date = e.event_date
        where e.event_name = 'feature_used' and not e.is_hard_deleted
        group by e.user_id, e.feature_name, e.event_date
    ),
    computed as (
        select d.usage_date, d.user_id, d.feature_name, d.usage_count, d.time_spent_seconds, d.first_used_at,
               coalesce(u.analytics_opt_out, false) as analytics_opt_out
        from usage_day as d
        left join staging.stg_supabase_users as u on u.user_id = d.user_id
        where not coalesce(u.is_hard_deleted, false)
    ),
    -- the days of the same (user, feature) pairs that the mart keeps and that are not recomputed
    -- (beyond staging's retention): they count for the pair's first day
    kept as (
        select m.usage_date, m.user_id, m.feature_name
        from marts.marts_product_feature_usage as m
        where (m.user_id, m.feature_name) in (select c.user_id, c.feature_name from computed as c)
        except
        select t.usage_date, t.user_id, t.feature_name
        from touched as t
    ),
    days as (
        select c.usage_date, c.user_id, c.feature_name, c.usage_count, c.time_spent_seconds, c.first_used_at,
               c.analytics_opt_out, true as is_recomputed
        from computed as c
        union all
        select k.usage_date, k.user_id, k.feature_name, null, null, null, null, false
        from kept as k
    ),
    with_first_day as (
        select d.*, min(d.usage_date) over (partition by d.user_id, d.feature_name) as first_date
        from days as d
    ),
    final as (
        select
            f.usage_date,
            f.user_id,
            f.feature_name,
            f.usage_count,
            f.time_spent_seconds,
            f.first_used_at,
            f.usage_date = f.first_date as is_first_use_ever,
            f.analytics_opt_out,
            now() as _dbt_loaded_at
        from with_first_day as f
        where f.is_recomputed
    )
    select * from final;
end
$body$;
end
$atomic$;

comment on function marts.marts_product_feature_usage__rows(bigint, bigint) is
    'Model marts_product_feature_usage: the mart rows of the days of marts_product_feature_usage__touched (batches '
    '(p_from_batch, p_to_batch]), computed from the feature_used events in staging, with is_first_use_ever against every '
    'day of the (user, feature) in staging or kept in the mart; days without a use left, and hard-deleted users, have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_product_feature_usage', 'marts', 'marts', 'marts_product_feature_usage', 'recompute_keys', '{usage_date,user_id,feature_name}',
    'marts.marts_product_feature_usage__rows', 'marts.marts_product_feature_usage__touched', '{usage_date,user_id,feature_name}',
    'one row per feature per user per day');

insert into warehouse.model_state (model_name) values ('marts_product_feature_usage');

select warehouse.enable_mart_rls('marts_product_feature_usage');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_product_feature_usage', 'user_id = $1');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_product_feature_usage__pk__unique', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'unique', null, null, '{"columns": ["usage_date", "user_id", "feature_name"]}', 'error', 'One row per feature per user per day.'),
    ('marts_product_feature_usage__user_id__not_null', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'not_null', 'user_id', null, '{}', 'error', 'Every usage row has a user.'),
    ('marts_product_feature_usage__feature_name__not_null', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'not_null', 'feature_name', 'user_id', '{}', 'error', 'Every usage row has a feature.'),
    ('marts_product_feature_usage__usage_date__not_null', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'not_null', 'usage_date', 'user_id', '{}', 'error', 'Every usage row has a day.'),
    ('marts_product_feature_usage__feature_name__accepted_values', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'accepted_values', 'feature_name', 'user_id',
        '{"values": ["pet_profile", "health_log", "vaccine_tracker", "care_reminders", "weight_tracker", "vet_finder", "photo_journal", "medication_schedule"]}',
        'warn', 'Features are the app''s eight (warn: a new feature can ship before the warehouse knows it).'),
    ('marts_product_feature_usage__no_negative_metrics', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'no_negative', null, 'user_id', '{"columns": ["usage_count", "time_spent_seconds"]}', 'error',
        'Usage counts and time spent are never negative.'),
    ('marts_product_feature_usage__user_id__relationships', 'marts_product_feature_usage', 'marts', 'marts_product_feature_usage',
        'relationships', 'user_id', 'user_id', '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'warn',
        'Feature usage names known users.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_product_feature_usage', 'marts', 60, 'delete_rows', 'usage_date',
        'Marts keep 5 years of daily feature usage.');

-- ===============================================================================================
-- supabase/schemas/marts/product/marts_product_funnel_events.sql
-- ===============================================================================================

-- Model marts_product_funnel_events. Grain: one row per funnel step per user (per funnel).
-- Materialized per (user, funnel) (recompute_keys on user_id, funnel_name): a step's row depends on
-- its neighbours, so a pair with a funnel step the batches changed is recomputed whole. Also touched:
-- every pair of a user whose staging row changed (an opt-out, or back in, follows; the old refresh
-- function updated analytics_opt_out in place), and every pair of a hard-deleted user (no rows).
-- A pair is recomputed from what staging holds (36 months; the mart keeps 60): a pair whose events
-- are all older than that is not touched by an opt-out any more, and one partly older loses those
-- steps when recomputed, as it did before on a new step.

create table marts.marts_product_funnel_events (
    user_id uuid not null,
    funnel_name varchar(50) not null,
    step_name varchar(50) not null,
    step_number smallint not null,
    reached_at timestamptz not null,
    previous_step_reached_at timestamptz,
    seconds_from_previous_step bigint,
    converted_to_next boolean not null default false,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (user_id, funnel_name, step_name)
);

create index idx_marts_funnel_events_funnel_step on marts.marts_product_funnel_events (funnel_name, step_number);

comment on table marts.marts_product_funnel_events is
    'Fact: funnel progress. Grain: one row per funnel step per user (per funnel), at the first time the user reached it. '
    'Use: funnel analysis, drop-off identification.';
comment on column marts.marts_product_funnel_events.user_id is 'The user.';
comment on column marts.marts_product_funnel_events.funnel_name is 'The funnel (onboarding, premium_upgrade).';
comment on column marts.marts_product_funnel_events.step_name is 'The step reached.';
comment on column marts.marts_product_funnel_events.step_number is 'Its position in the funnel, from 1.';
comment on column marts.marts_product_funnel_events.reached_at is 'The first time the user reached the step.';
comment on column marts.marts_product_funnel_events.previous_step_reached_at is 'When the user first reached the previous step (step_number - 1); NULL for step 1 or when never reached.';
comment on column marts.marts_product_funnel_events.seconds_from_previous_step is 'Seconds from previous_step_reached_at to reached_at; never negative in published data.';
comment on column marts.marts_product_funnel_events.converted_to_next is 'The user also reached the next step (step_number + 1) of the funnel; false at its last step.';
comment on column marts.marts_product_funnel_events.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_product_funnel_events._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
do $atomic$
begin
    execute $body$
create function marts.marts_product_funnel_events__touched(p_from_batch bigint, p_to_batch bigint)
returns table (user_id uuid, funnel_name varchar(50))
language sql
stable
begin atomic
    with changed_users as (
        select u.user_id, u.is_hard_deleted
        from staging.stg_supabase_users as u
        where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
    )
    -- the pairs with a funnel step the batches changed
    select e.user_id, e.funnel_name
    from staging.stg_supabase_product_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch
      and e.event_name = 'funnel_step' and e.user_id is not null and e.funnel_name is not null
    union
    -- every pair of a user whose staging row changed
    select e.user_id, e.funnel_name
    from staging.stg_supabase_product_events as e
    join changed_users as u on u.user_id = e.user_id
    where e.event_name = 'funnel_step' and e.funnel_name is not null
    union
    -- every row of a user hard-deleted, also the pairs staging no longer holds
    select m.user_id, m.funnel_name
    from marts.marts_product_funnel_events as m
    join changed_users as u on u.user_id = m.user_id
    where u.is_hard_deleted;
end
$body$;
end
$atomic$;

comment on function marts.marts_product_funnel_events__touched(bigint, bigint) is
    'Model marts_product_funnel_events: the (user_id, funnel_name) pairs to recompute for batches (p_from_batch, p_to_batch]: '
    'those with a funnel_step event the batches changed, every pair of a user whose staging row they changed, and every '
    'pair of a user they hard-deleted.';

do $atomic$
begin
    execute $body$
create function marts.marts_product_funnel_events__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_product_funnel_events
language sql
stable
begin atomic
    with steps as (
        select e.user_id, e.funnel_name, e.funnel_step as step_name, min(e.step_number) as step_number,
               min(e.occurred_at) as reached_at
        from staging.stg_supabase_product_events as e
        join marts.marts_product_funnel_events__touched(p_from_batch, p_to_batch) as t
            on t.user_id = e.user_id and t.funnel_name = e.funnel_name
        where e.event_name = 'funnel_step' and not e.is_hard_deleted
          and e.funnel_step is not null and e.step_number is not null and e.occurred_at is not null
        group by e.user_id, e.funnel_name, e.funnel_step
    ),
    by_number as (
        select s.user_id, s.funnel_name, s.step_number, min(s.reached_at) as reached_at
        from steps as s
        group by s.user_id, s.funnel_name, s.step_number
    ),
    neighbours as (
        select
            b.user_id,
            b.funnel_name,
            b.step_number,
            case when lag(b.step_number) over w = b.step_number - 1 then lag(b.reached_at) over w end as previous_step_reached_at,
            coalesce(lead(b.step_number) over w = b.step_number + 1, false) as converted_to_next
        from by_number as b
        window w as (partition by b.user_id, b.funnel_name order by b.step_number)
    ),
    final as (
        select
            s.user_id,
            s.funnel_name,
            s.step_name,
            s.step_number,
            s.reached_at,
            n.previous_step_reached_at,
            extract(epoch from s.reached_at - n.previous_step_reached_at)::bigint as seconds_from_previous_step,
            n.converted_to_next,
            coalesce(u.analytics_opt_out, false) as analytics_opt_out,
            now() as _dbt_loaded_at
        from steps as s
        join neighbours as n
            on n.user_id = s.user_id and n.funnel_name = s.funnel_name and n.step_number = s.step_number
        left join staging.stg_supabase_users as u on u.user_id = s.user_id
        where not coalesce(u.is_hard_deleted, false)
    )
    select * from final;
end
$body$;
end
$atomic$;

comment on function marts.marts_product_funnel_events__rows(bigint, bigint) is
    'Model marts_product_funnel_events: the mart rows of every step of the (user, funnel) pairs of '
    'marts_product_funnel_events__touched (batches (p_from_batch, p_to_batch]), computed from the funnel_step events in '
    'staging: first reach per step, time from the previous step, whether the next was reached; hard-deleted users have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_product_funnel_events', 'marts', 'marts', 'marts_product_funnel_events', 'recompute_keys', '{user_id,funnel_name,step_name}',
    'marts.marts_product_funnel_events__rows', 'marts.marts_product_funnel_events__touched', '{user_id,funnel_name}',
    'one row per funnel step per user (per funnel)');

insert into warehouse.model_state (model_name) values ('marts_product_funnel_events');

select warehouse.enable_mart_rls('marts_product_funnel_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_product_funnel_events', 'user_id = $1');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_product_funnel_events__pk__unique', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'unique', null, null, '{"columns": ["user_id", "funnel_name", "step_name"]}', 'error', 'One row per funnel step per user.'),
    ('marts_product_funnel_events__user_id__not_null', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'not_null', 'user_id', null, '{}', 'error', 'Every funnel row has a user.'),
    ('marts_product_funnel_events__reached_at__not_null', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'not_null', 'reached_at', 'user_id', '{}', 'error', 'Every funnel step has the time it was reached.'),
    ('marts_product_funnel_events__funnel_name__accepted_values', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'accepted_values', 'funnel_name', 'user_id', '{"values": ["onboarding", "premium_upgrade"]}', 'warn',
        'Funnels are the ones the app tracks (warn: a new funnel can ship before the warehouse knows it).'),
    ('marts_product_funnel_events__step_before_previous', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'expression', null, 'user_id', '{"where": "seconds_from_previous_step < 0"}', 'error',
        'No funnel step is reached before its previous step (a client clock or tracking bug).'),
    ('marts_product_funnel_events__user_id__relationships', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'relationships', 'user_id', 'user_id', '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'warn',
        'Funnel steps name known users.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_product_funnel_events', 'marts', 60, 'delete_rows', 'reached_at',
        'Marts keep 5 years of funnel steps, by the time reached.');

-- ===============================================================================================
-- supabase/schemas/marts/core/kpi_active_users.sql
-- ===============================================================================================

-- KPI views for the seed's initial dashboard (DAU, MAU, retention) and the analyst's first questions:
-- active users and stickiness, weekly sign-up cohort retention, the auth funnel, lifecycle movement.
-- Views run with the invoker's rights (security_invoker), so row-level security applies to them:
-- analysts never count users who opted out.

-- KPI views
create view marts.kpi_active_users
with (security_invoker = true)
as
with logins as (
    select a.user_id, a.activity_date
    from marts.marts_core_user_activity_daily as a
    where a.login_count > 0 and a.activity_date >= current_date - 120
),
-- A login on day d makes the user weekly-active on d..d+6 and monthly-active on d..d+29. Merge each
-- user's overlapping spans (islands), then count spans covering each day with +1/-1 events.
gaps as (
    select l.user_id, l.activity_date, w.window_days,
           case when l.activity_date - lag(l.activity_date) over (partition by l.user_id, w.window_days order by l.activity_date)
                     <= w.window_days then 0 else 1 end as starts_island
    from logins as l
    cross join (values (1), (7), (30)) as w (window_days)
),
spans as (
    select g.user_id, g.activity_date, g.window_days,
           sum(g.starts_island) over (partition by g.user_id, g.window_days order by g.activity_date) as island
    from gaps as g
),
islands as (
    select s.window_days, min(s.activity_date) as first_day, max(s.activity_date) + s.window_days as end_day
    from spans as s
    group by s.user_id, s.window_days, s.island
),
deltas as (
    select window_days, first_day as day, 1 as delta from islands
    union all
    select window_days, end_day, -1 from islands
),
running as (
    select d.window_days, d.day, sum(sum(d.delta)) over (partition by d.window_days order by d.day) as active_users
    from deltas as d
    group by d.window_days, d.day
),
days as (
    select g::date as activity_date from generate_series(current_date - 90, current_date, interval '1 day') as g
),
per_day as (
    select
        days.activity_date,
        coalesce((select r.active_users from running as r where r.window_days = 1 and r.day <= days.activity_date order by r.day desc limit 1), 0) as dau,
        coalesce((select r.active_users from running as r where r.window_days = 7 and r.day <= days.activity_date order by r.day desc limit 1), 0) as wau,
        coalesce((select r.active_users from running as r where r.window_days = 30 and r.day <= days.activity_date order by r.day desc limit 1), 0) as mau
    from days
)
select
    p.activity_date,
    p.dau::bigint as dau,
    p.wau::bigint as wau,
    p.mau::bigint as mau,
    round(p.dau / nullif(p.mau, 0), 4) as stickiness
from per_day as p;

comment on view marts.kpi_active_users is
    'KPI: daily, weekly and monthly active users and stickiness. Grain: one row per day of the last 91 days. Active = '
    'logged in (login_count > 0, as the seed''s DAU query) that day / in the 7 / 30 days ending that day.';
comment on column marts.kpi_active_users.activity_date is 'The day.';
comment on column marts.kpi_active_users.dau is 'Users who logged in that day.';
comment on column marts.kpi_active_users.wau is 'Users who logged in in the 7 days ending that day.';
comment on column marts.kpi_active_users.mau is 'Users who logged in in the 30 days ending that day.';
comment on column marts.kpi_active_users.stickiness is 'DAU / MAU.';

-- ===============================================================================================
-- supabase/schemas/marts/core/kpi_auth_funnel.sql
-- ===============================================================================================

create view marts.kpi_auth_funnel
with (security_invoker = true)
as
select
    date_trunc('week', e.event_date)::date as week,
    coalesce(e.auth_method, 'unknown') as auth_method,
    count(*) filter (where e.is_login_attempt) as login_attempts,
    count(*) filter (where e.is_login_success) as login_successes,
    count(*) filter (where e.is_login_failure) as login_failures,
    round((count(*) filter (where e.is_login_failure))::numeric / nullif(count(*) filter (where e.is_login_attempt), 0), 4) as failure_rate,
    count(*) filter (where e.is_token_refresh) as token_refreshes
from marts.marts_core_auth_events as e
where e.event_date >= date_trunc('week', current_date) - interval '12 weeks'
group by 1, 2;

comment on view marts.kpi_auth_funnel is
    'KPI: auth funnel. Grain: one row per week (last 12) per auth method: login attempts, successes, failures, failure '
    'rate, token refreshes.';
comment on column marts.kpi_auth_funnel.week is 'Monday of the week.';
comment on column marts.kpi_auth_funnel.auth_method is 'Sign-in method (unknown when not recorded).';
comment on column marts.kpi_auth_funnel.login_attempts is 'Logins attempted.';
comment on column marts.kpi_auth_funnel.login_successes is 'Logins that succeeded.';
comment on column marts.kpi_auth_funnel.login_failures is 'Logins that failed.';
comment on column marts.kpi_auth_funnel.failure_rate is 'Failures / attempts.';
comment on column marts.kpi_auth_funnel.token_refreshes is 'Session token refreshes.';

-- ===============================================================================================
-- supabase/schemas/marts/core/kpi_auth_method_adoption.sql
-- ===============================================================================================

create view marts.kpi_auth_method_adoption
with (security_invoker = true)
as
select d.preferred_auth_method, count(*)::bigint as user_count
from marts.marts_core_dim_users as d
where d.deleted_at is null
group by d.preferred_auth_method;

comment on view marts.kpi_auth_method_adoption is 'KPI: users per preferred sign-in method (the seed''s example query). Grain: one row per method.';
comment on column marts.kpi_auth_method_adoption.preferred_auth_method is 'Method.';
comment on column marts.kpi_auth_method_adoption.user_count is 'Users (not deleted) preferring it.';

-- ===============================================================================================
-- supabase/schemas/marts/core/kpi_lifecycle_distribution.sql
-- ===============================================================================================

create view marts.kpi_lifecycle_distribution
with (security_invoker = true)
as
select d.lifecycle_stage, count(*)::bigint as user_count,
       round(100.0 * count(*) / sum(count(*)) over (), 2) as pct
from marts.marts_core_dim_users as d
where d.deleted_at is null
group by d.lifecycle_stage;

comment on view marts.kpi_lifecycle_distribution is 'KPI: users per lifecycle stage today (the seed''s example query). Grain: one row per stage.';
comment on column marts.kpi_lifecycle_distribution.lifecycle_stage is 'Stage.';
comment on column marts.kpi_lifecycle_distribution.user_count is 'Users (not deleted) in it.';
comment on column marts.kpi_lifecycle_distribution.pct is 'Share of all such users, percent.';

-- ===============================================================================================
-- supabase/schemas/marts/core/kpi_lifecycle_movement.sql
-- ===============================================================================================

create view marts.kpi_lifecycle_movement
with (security_invoker = true)
as
select
    date_trunc('week', t.changed_on)::date as week,
    coalesce(t.from_stage, '(new)') as from_stage,
    t.to_stage,
    count(*)::bigint as users
from marts.marts_core_lifecycle_transitions as t
group by 1, 2, 3;

comment on view marts.kpi_lifecycle_movement is
    'KPI: lifecycle movement. Grain: one row per week per (from stage, to stage): how many users moved.';
comment on column marts.kpi_lifecycle_movement.week is 'Monday of the week the pipeline saw the change.';
comment on column marts.kpi_lifecycle_movement.from_stage is 'Stage before ((new) for users new to the warehouse).';
comment on column marts.kpi_lifecycle_movement.to_stage is 'Stage after.';
comment on column marts.kpi_lifecycle_movement.users is 'Users who moved.';

-- ===============================================================================================
-- supabase/schemas/marts/core/kpi_signup_cohort_retention.sql
-- ===============================================================================================

create view marts.kpi_signup_cohort_retention
with (security_invoker = true)
as
with cohorts as (
    select d.user_id, date_trunc('week', d.created_at at time zone 'UTC')::date as cohort_week
    from marts.marts_core_dim_users as d
    where d.created_at >= date_trunc('week', current_date) - interval '12 weeks'
),
sizes as (
    select c.cohort_week, count(*) as cohort_size from cohorts as c group by c.cohort_week
),
active as (
    select c.cohort_week, (date_trunc('week', a.activity_date)::date - c.cohort_week) / 7 as weeks_since_signup,
           count(distinct a.user_id) as retained_users
    from cohorts as c
    join marts.marts_core_user_activity_daily as a on a.user_id = c.user_id and a.login_count > 0
    group by 1, 2
)
select s.cohort_week, a.weeks_since_signup, s.cohort_size::bigint as cohort_size, a.retained_users::bigint as retained_users,
       round(a.retained_users::numeric / s.cohort_size, 4) as retention_rate
from sizes as s
join active as a on a.cohort_week = s.cohort_week
where a.weeks_since_signup >= 0;

comment on view marts.kpi_signup_cohort_retention is
    'KPI: weekly sign-up cohort retention. Grain: one row per sign-up week (last 12 weeks) per week since sign-up with '
    'logins. Retained = logged in during that week.';
comment on column marts.kpi_signup_cohort_retention.cohort_week is 'Monday of the sign-up week.';
comment on column marts.kpi_signup_cohort_retention.weeks_since_signup is '0 for the sign-up week itself.';
comment on column marts.kpi_signup_cohort_retention.cohort_size is 'Users who signed up that week.';
comment on column marts.kpi_signup_cohort_retention.retained_users is 'Of them, users who logged in that week.';
comment on column marts.kpi_signup_cohort_retention.retention_rate is 'retained_users / cohort_size.';

-- ===============================================================================================
-- supabase/schemas/marts/core/published_signup_cohorts.sql
-- ===============================================================================================

create view marts.published_signup_cohorts
with (security_invoker = true)
as
select d.signup_cohort, d.lifecycle_stage, count(*)::bigint as user_count
from marts.marts_core_dim_users as d
where d.deleted_at is null
group by d.signup_cohort, d.lifecycle_stage
having count(*) >= marts.k_anonymity_min_group();

comment on view marts.published_signup_cohorts is
    'Publishable: users per sign-up cohort and lifecycle stage. Grain: one row per cohort and stage with at least k users; '
    'smaller groups are suppressed.';
comment on column marts.published_signup_cohorts.signup_cohort is 'Sign-up cohort (2026-01-W4).';
comment on column marts.published_signup_cohorts.lifecycle_stage is 'Lifecycle stage today.';
comment on column marts.published_signup_cohorts.user_count is 'Users in the group; at least k.';

-- ===============================================================================================
-- supabase/schemas/marts/core/published_users_by_email_domain.sql
-- ===============================================================================================

create view marts.published_users_by_email_domain
with (security_invoker = true)
as
with by_domain as (
    select d.email_domain, count(*) as user_count
    from marts.marts_core_dim_users as d
    where d.deleted_at is null
    group by d.email_domain
),
bucketed as (
    select
        case when b.user_count >= marts.k_anonymity_min_group() then b.email_domain else 'other' end as email_domain,
        b.user_count
    from by_domain as b
)
select b.email_domain, sum(b.user_count)::bigint as user_count
from bucketed as b
group by b.email_domain
having sum(b.user_count) >= marts.k_anonymity_min_group();

comment on view marts.published_users_by_email_domain is
    'Publishable: users per email domain. Grain: one row per domain with at least k users; smaller domains are pooled '
    'into "other", which is itself suppressed when smaller than k.';
comment on column marts.published_users_by_email_domain.email_domain is 'Email domain, or other for domains with fewer than k users.';
comment on column marts.published_users_by_email_domain.user_count is 'Users (not deleted) with that domain; at least k.';

-- ===============================================================================================
-- supabase/schemas/marts/ops/pipeline_freshness.sql
-- ===============================================================================================

create view marts.pipeline_freshness
as
select distinct on (q.test_name) q.test_name, q.status, q.message, q.checked_at
from warehouse.quality_test_results as q
where q.kind = 'freshness'
order by q.test_name, q.checked_at desc;

comment on view marts.pipeline_freshness is 'The latest result of each freshness test. Grain: one row per freshness test.';
comment on column marts.pipeline_freshness.test_name is 'The freshness test.';
comment on column marts.pipeline_freshness.status is 'pass, warn or fail.';
comment on column marts.pipeline_freshness.message is 'How old the newest row was, and the thresholds.';
comment on column marts.pipeline_freshness.checked_at is 'When it was checked.';

-- ===============================================================================================
-- supabase/schemas/marts/ops/pipeline_health.sql
-- ===============================================================================================

-- The pipeline's health, no user data: a view with its owner's rights, so analysts and the report can
-- read it without reading the warehouse schema.
create view marts.pipeline_health
as
select r.run_id, r.status, r.full_refresh, r.started_at, r.finished_at, r.failing_tests,
       (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id) as tests_run,
       (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status = 'pass') as tests_passed,
       (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status = 'warn') as tests_warned
from warehouse.pipeline_runs as r
where r.status <> 'skipped';

comment on view marts.pipeline_health is 'Pipeline runs with their test counts, for the report and Metabase. Grain: one row per run (skipped runs left out).';
comment on column marts.pipeline_health.run_id is 'The run.';
comment on column marts.pipeline_health.status is 'succeeded, failed or running.';
comment on column marts.pipeline_health.full_refresh is 'Whether it rebuilt staging and marts.';
comment on column marts.pipeline_health.started_at is 'Start.';
comment on column marts.pipeline_health.finished_at is 'End.';
comment on column marts.pipeline_health.failing_tests is 'Error-severity tests that failed.';
comment on column marts.pipeline_health.tests_run is 'Quality tests run.';
comment on column marts.pipeline_health.tests_passed is 'Of them, passed.';
comment on column marts.pipeline_health.tests_warned is 'Of them, warned.';

-- ===============================================================================================
-- supabase/schemas/marts/ops/pipeline_layer_rows.sql
-- ===============================================================================================

create view marts.pipeline_layer_rows
as
select n.layer, coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint as row_count
from (values ('raw'), ('staging'), ('marts')) as n (layer)
left join pg_catalog.pg_class as c on c.relnamespace = n.layer::regnamespace and c.relkind = 'r'
group by n.layer;

comment on view marts.pipeline_layer_rows is 'Rows per warehouse layer (planner statistics, current after each run). Grain: one row per layer.';
comment on column marts.pipeline_layer_rows.layer is 'raw, staging or marts.';
comment on column marts.pipeline_layer_rows.row_count is 'Approximate rows in the layer''s tables.';

-- ===============================================================================================
-- supabase/schemas/marts/pets/kpi_reminder_effectiveness.sql
-- ===============================================================================================

create view marts.kpi_reminder_effectiveness
with (security_invoker = true)
as
with due as (
    select c.task_type, c.reminder_sent, c.status, c.completed_on_time
    from marts.marts_pets_care_schedule as c
    where c.due_on < current_date
),
final as (
    select
        d.task_type,
        d.reminder_sent,
        count(*)::bigint as tasks_due,
        (count(*) filter (where d.status = 'completed'))::bigint as completed,
        (count(*) filter (where d.completed_on_time))::bigint as completed_on_time,
        (count(*) filter (where d.status = 'skipped'))::bigint as skipped,
        round((count(*) filter (where d.completed_on_time))::numeric / count(*), 4) as on_time_rate
    from due as d
    group by d.task_type, d.reminder_sent
)
select * from final;

comment on view marts.kpi_reminder_effectiveness is
    'KPI: reminder effectiveness. Grain: one row per task type and whether a reminder was sent, over tasks due before today: '
    'how many were completed on time (by the end of the due day) with a reminder and without.';
comment on column marts.kpi_reminder_effectiveness.task_type is 'The care task type.';
comment on column marts.kpi_reminder_effectiveness.reminder_sent is 'Whether a reminder was sent.';
comment on column marts.kpi_reminder_effectiveness.tasks_due is 'Tasks due before today.';
comment on column marts.kpi_reminder_effectiveness.completed is 'Of those, completed (at any time).';
comment on column marts.kpi_reminder_effectiveness.completed_on_time is 'Of those, completed by the end of the due day.';
comment on column marts.kpi_reminder_effectiveness.skipped is 'Of those, skipped.';
comment on column marts.kpi_reminder_effectiveness.on_time_rate is 'completed_on_time / tasks_due.';

-- ===============================================================================================
-- supabase/schemas/marts/pets/kpi_vaccination_compliance.sql
-- ===============================================================================================

-- Use-case views (the invoker's rights: analysts never count pets of owners who opted out)
create view marts.kpi_vaccination_compliance
with (security_invoker = true)
as
with pets as (
    select d.species, d.vaccination_status
    from marts.marts_pets_dim_pets as d
    where d.deleted_at is null
),
final as (
    select
        p.species,
        count(*)::bigint as pet_count,
        (count(*) filter (where p.vaccination_status = 'up_to_date'))::bigint as up_to_date_count,
        (count(*) filter (where p.vaccination_status = 'overdue'))::bigint as overdue_count,
        (count(*) filter (where p.vaccination_status = 'no_record'))::bigint as no_record_count,
        round((count(*) filter (where p.vaccination_status = 'up_to_date'))::numeric / count(*), 4) as up_to_date_share
    from pets as p
    group by p.species
)
select * from final;

comment on view marts.kpi_vaccination_compliance is
    'KPI: vaccination compliance. Grain: one row per species. Pets not deleted; up to date = at least one vaccine on record '
    'and no vaccine''s next dose overdue (marts_pets_dim_pets.vaccination_status).';
comment on column marts.kpi_vaccination_compliance.species is 'The species.';
comment on column marts.kpi_vaccination_compliance.pet_count is 'Pets of the species.';
comment on column marts.kpi_vaccination_compliance.up_to_date_count is 'Pets whose vaccinations are up to date.';
comment on column marts.kpi_vaccination_compliance.overdue_count is 'Pets with a vaccine overdue.';
comment on column marts.kpi_vaccination_compliance.no_record_count is 'Pets with no vaccine on record.';
comment on column marts.kpi_vaccination_compliance.up_to_date_share is 'up_to_date_count / pet_count.';

-- ===============================================================================================
-- supabase/schemas/marts/pets/kpi_weight_trends.sql
-- ===============================================================================================

create view marts.kpi_weight_trends
with (security_invoker = true)
as
with weighins as (
    select date_trunc('month', w.weighed_on)::date as weigh_month, w.species, w.life_stage, w.pet_id, w.weight_kg
    from marts.marts_pets_weight_history as w
),
final as (
    select
        w.weigh_month,
        w.species,
        w.life_stage,
        count(*)::bigint as weigh_ins,
        count(distinct w.pet_id)::bigint as pets,
        round(avg(w.weight_kg), 2) as avg_weight_kg
    from weighins as w
    group by w.weigh_month, w.species, w.life_stage
)
select * from final;

comment on view marts.kpi_weight_trends is
    'KPI: weight trends. Grain: one row per month, species and life stage (at the weigh-in): average weight.';
comment on column marts.kpi_weight_trends.weigh_month is 'First day of the month of the weigh-ins.';
comment on column marts.kpi_weight_trends.species is 'The species.';
comment on column marts.kpi_weight_trends.life_stage is 'Life stage of the pets when weighed.';
comment on column marts.kpi_weight_trends.weigh_ins is 'Weigh-ins in the month.';
comment on column marts.kpi_weight_trends.pets is 'Distinct pets weighed in the month.';
comment on column marts.kpi_weight_trends.avg_weight_kg is 'Average weight of those weigh-ins, in kilograms.';

-- ===============================================================================================
-- supabase/schemas/marts/product/kpi_feature_adoption.sql
-- ===============================================================================================

-- KPI views (the invoker's rights: analysts never count users who opted out)
create view marts.kpi_feature_adoption
with (security_invoker = true)
as
with window_usage as (
    select f.user_id, f.feature_name, f.usage_count, f.time_spent_seconds
    from marts.marts_product_feature_usage as f
    where f.usage_date > current_date - 30
),
active_users as (
    select w.user_id from window_usage as w
    union
    select e.user_id from marts.marts_product_funnel_events as e
    where (e.reached_at at time zone 'UTC')::date > current_date - 30
    union
    select a.user_id from marts.marts_core_user_activity_daily as a
    where a.activity_date > current_date - 30 and a.login_count > 0
),
active_count as (
    select count(*) as active_users from active_users
),
per_feature as (
    select w.feature_name, count(distinct w.user_id) as users, sum(w.usage_count) as total_usage,
           sum(w.time_spent_seconds) as total_time
    from window_usage as w
    group by w.feature_name
),
final as (
    select
        p.feature_name,
        p.users::bigint as users_last_30_days,
        a.active_users::bigint as active_users_last_30_days,
        round(p.users::numeric / nullif(a.active_users, 0), 4) as adoption_rate,
        p.total_usage::bigint as total_usage,
        p.total_time::bigint as total_time_spent_seconds,
        round(p.total_time::numeric / nullif(p.total_usage, 0), 1) as avg_seconds_per_use,
        round(p.total_time::numeric / nullif(p.users, 0), 1) as avg_seconds_per_user
    from per_feature as p
    cross join active_count as a
)
select * from final;

comment on view marts.kpi_feature_adoption is
    'KPI: feature adoption over the 30 days ending today (UTC). Grain: one row per feature used in that window. Active '
    'users = users with a feature use, a funnel step first reached, or a successful login in the window.';
comment on column marts.kpi_feature_adoption.feature_name is 'The app feature.';
comment on column marts.kpi_feature_adoption.users_last_30_days is 'Users who used the feature in the window.';
comment on column marts.kpi_feature_adoption.active_users_last_30_days is
    'Active users in the window: any feature use, any funnel step first reached, or a login (the adoption denominator).';
comment on column marts.kpi_feature_adoption.adoption_rate is 'users_last_30_days / active_users_last_30_days.';
comment on column marts.kpi_feature_adoption.total_usage is 'Uses of the feature in the window.';
comment on column marts.kpi_feature_adoption.total_time_spent_seconds is 'Seconds spent in the feature in the window.';
comment on column marts.kpi_feature_adoption.avg_seconds_per_use is 'total_time_spent_seconds / total_usage.';
comment on column marts.kpi_feature_adoption.avg_seconds_per_user is 'total_time_spent_seconds / users_last_30_days.';

-- ===============================================================================================
-- supabase/schemas/marts/product/kpi_funnel_conversion.sql
-- ===============================================================================================

create view marts.kpi_funnel_conversion
with (security_invoker = true)
as
with steps as (
    select e.funnel_name, e.step_number, e.step_name, count(distinct e.user_id) as users_reached
    from marts.marts_product_funnel_events as e
    group by e.funnel_name, e.step_number, e.step_name
),
final as (
    select
        s.funnel_name,
        s.step_number,
        s.step_name,
        s.users_reached::bigint as users_reached,
        p.users_reached::bigint as users_previous_step,
        round(s.users_reached::numeric / nullif(p.users_reached, 0), 4) as conversion_from_previous,
        (p.users_reached - s.users_reached)::bigint as drop_off_from_previous,
        round(1 - s.users_reached::numeric / nullif(p.users_reached, 0), 4) as drop_off_rate_from_previous,
        round(s.users_reached::numeric / nullif(f.users_reached, 0), 4) as overall_conversion
    from steps as s
    left join steps as p on p.funnel_name = s.funnel_name and p.step_number = s.step_number - 1
    left join steps as f on f.funnel_name = s.funnel_name and f.step_number = 1
)
select * from final;

comment on view marts.kpi_funnel_conversion is
    'KPI: funnel conversion, all time. Grain: one row per funnel per step: users reaching it, conversion and drop-off '
    'from the previous step, overall conversion from step 1.';
comment on column marts.kpi_funnel_conversion.funnel_name is 'The funnel.';
comment on column marts.kpi_funnel_conversion.step_number is 'The step''s position, from 1.';
comment on column marts.kpi_funnel_conversion.step_name is 'The step.';
comment on column marts.kpi_funnel_conversion.users_reached is 'Users who reached the step.';
comment on column marts.kpi_funnel_conversion.users_previous_step is 'Users who reached the previous step; NULL for step 1.';
comment on column marts.kpi_funnel_conversion.conversion_from_previous is 'users_reached / users_previous_step.';
comment on column marts.kpi_funnel_conversion.drop_off_from_previous is 'users_previous_step - users_reached.';
comment on column marts.kpi_funnel_conversion.drop_off_rate_from_previous is '1 - conversion_from_previous.';
comment on column marts.kpi_funnel_conversion.overall_conversion is 'users_reached / users who reached step 1.';

-- ===============================================================================================
-- supabase/schemas/engine/finish.sql
-- ===============================================================================================

-- Last in the tree: what needs every table in place. The current month's raw partitions and the next
-- ones, the pg_cron jobs (idempotent: unscheduled, then scheduled), and no privilege at all for the
-- Data API roles on anything the tree created (functions get PUBLIC execute by default).

select count(*) from warehouse.ensure_partitions();

select warehouse.schedule_jobs();

select warehouse.revoke_api_access();
