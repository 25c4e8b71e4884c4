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
    v_indexes text[];
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

    -- A first extraction into an empty raw table builds its indexes once, after the rows
    -- (warehouse.drop_bulk_load_indexes, engine/materializers.sql).
    if v_source.watermark is null
       and warehouse.table_is_empty(format('%I.%I', v_source.raw_schema, v_source.raw_table)::regclass) then
        v_indexes := warehouse.drop_bulk_load_indexes(format('%I.%I', v_source.raw_schema, v_source.raw_table)::regclass);
    end if;

    -- One statement, one snapshot: the rows read, the rows written and the new watermark agree.
    -- Into an empty raw table (a first extraction) every row read is new: one pass, no anti-join and no
    -- copy of the rows read kept for counting (read = written, the watermark from what was written).
    if v_indexes is not null then
        execute format(
            $sql$
            with inserted as (
                insert into %6$I.%7$I (extracted_at, extracted_date, source_system, batch_id, changed_at, is_tombstone, row_hash, %8$s)
                select $2, ($2 at time zone 'UTC')::date, $3, $4, v.changed_at, false, md5(row(%5$s)::text), %9$s
                from (
                    select %1$s, s.%2$I as changed_at
                    from %3$I.%4$I as s
                    where s.%2$I >= $1 %10$s
                ) as v
                returning changed_at
            )
            select max(changed_at), count(*), count(*) from inserted
            $sql$,
            v_expressions, v_source.change_column, v_source.source_schema, v_source.source_table,
            v_version_columns, v_source.raw_schema, v_source.raw_table, v_columns, v_version_columns, v_erased_filter
        )
        into v_max_changed, v_read, v_inserted
        using v_lower, v_started_at, v_source.source_system, v_batch.batch_id, v_salt;
    else
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
    end if;

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
    if v_indexes is not null then
        perform warehouse.create_indexes(v_indexes);
    end if;

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
    'watermark (never past an open transaction''s start). A first extraction into an empty raw table builds its '
    'indexes after the rows. Raises on any problem, so nothing partial is written. '
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
