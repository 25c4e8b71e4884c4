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
