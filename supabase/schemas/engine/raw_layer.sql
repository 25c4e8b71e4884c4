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
