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
    status text not null check (status in ('pass', 'warn', 'fail', 'error', 'skipped')),
    failing_rows bigint not null default 0,
    sample_keys text[] not null default '{}',
    message text,
    checked_at timestamptz not null default clock_timestamp(),
    scope text not null default 'all' check (scope in ('all', 'changed', 'none'))
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
    'error (the test''s own SQL failed; see message); skipped (a constraint of the table already guarantees it).';
comment on column warehouse.quality_test_results.scope is
    'The rows the test checked: all (the whole table: a full sweep, a first load, or a kind that is not row-wise), '
    'changed (only the rows the run wrote or removed, and for relationships also the rows pointing at parent rows it '
    'changed), none (skipped).';
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

-- Scope: a run checks the rows it changed. Each materializer leaves the keys it wrote or removed in a
-- temporary table (warehouse.changed_keys_table), and the row-wise tests of that model are restricted to
-- them; a unique test compares the changed rows' values with the whole table. The weekly sweep
-- (warehouse.run_quality_sweep) and every first load check all rows.
create function warehouse.changed_keys_table(p_model_name text)
returns text
language sql
immutable
set search_path = ''
as $$
    select format('pg_temp.%I', 'changed__' || p_model_name)
$$;

comment on function warehouse.changed_keys_table(text) is
    'The temporary table (dropped at commit) in which a model''s materializer leaves the unique keys of the rows it '
    'wrote or removed in this transaction: what the run''s quality tests of that model check.';

create function warehouse.changed_rows_predicate(p_table_schema text, p_table_name text, p_alias text default 't')
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
    v_model record;
begin
    select m.model_name, m.unique_key into v_model from warehouse.models as m where m.target_schema = p_table_schema and m.target_table = p_table_name;
    if not found or to_regclass(warehouse.changed_keys_table(v_model.model_name)) is null then
        return null;
    end if;
    return format('(%s) in (select %s from %s as c)',
        (select string_agg(format('%I.%I', p_alias, k), ', ' order by o) from unnest(v_model.unique_key) with ordinality as u (k, o)),
        (select string_agg(format('c.%I', k), ', ' order by o) from unnest(v_model.unique_key) with ordinality as u (k, o)),
        warehouse.changed_keys_table(v_model.model_name));
end;
$$;

comment on function warehouse.changed_rows_predicate(text, text, text) is
    'A predicate over alias p_alias selecting the rows of a model''s table that this transaction''s materializer wrote '
    'or removed (by unique key, from warehouse.changed_keys_table); NULL when the table is no model or the model did '
    'not run in this transaction.';

create function warehouse.changed_parent_predicate(p_to_schema text, p_to_table text, p_to_column text, p_column text, p_alias text default 't')
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
    v_model record;
begin
    select m.model_name into v_model from warehouse.models as m
    where m.target_schema = p_to_schema and m.target_table = p_to_table and m.unique_key = array[p_to_column];
    if not found or to_regclass(warehouse.changed_keys_table(v_model.model_name)) is null then
        return null;
    end if;
    -- only parent keys that are gone can leave a child dangling
    return format('%1$I.%2$I in (select c.%3$I from %4$s as c where not exists (select 1 from %5$I.%6$I as p where p.%3$I = c.%3$I))',
        p_alias, p_column, p_to_column, warehouse.changed_keys_table(v_model.model_name), p_to_schema, p_to_table);
end;
$$;

comment on function warehouse.changed_parent_predicate(text, text, text, text, text) is
    'For a relationships test: a predicate selecting the child rows whose p_column points at a parent key this '
    'transaction removed from the parent model (changed, and no longer there); NULL when the parent is no model keyed '
    'by p_to_column or did not run.';

create function warehouse.quality_test_guarantee(p_test warehouse.quality_tests)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
    v_relation regclass := to_regclass(format('%I.%I', p_test.table_schema, p_test.table_name));
    v_columns text[];
    v_index text;
begin
    if v_relation is null then
        return null;
    end if;
    if p_test.kind = 'unique' then
        v_columns := case
            when jsonb_typeof(p_test.params -> 'columns') = 'array' then array(select jsonb_array_elements_text(p_test.params -> 'columns'))
            else array[p_test.column_name]
        end;
        -- a unique index on some of the tested columns makes the combination unique (rows with a null key
        -- part are ignored by the test, and allowed more than once by the index)
        select c.relname into v_index
        from pg_catalog.pg_index as i
        join pg_catalog.pg_class as c on c.oid = i.indexrelid
        where i.indrelid = v_relation and i.indisunique and i.indisvalid and i.indpred is null and i.indexprs is null
          and array(
              select a.attname::text from pg_catalog.pg_attribute as a
              where a.attrelid = v_relation and a.attnum = any ((i.indkey::int2[])[0:i.indnkeyatts - 1])
          ) <@ v_columns
        order by c.relname
        limit 1;
        return case when v_index is not null then format('the unique index %s', v_index) end;
    elsif p_test.kind = 'not_null' then
        if exists (
            select 1 from pg_catalog.pg_attribute as a
            where a.attrelid = v_relation and a.attname = p_test.column_name and a.attnotnull and not a.attisdropped
        ) then
            return format('the NOT NULL constraint of %s', p_test.column_name);
        end if;
    end if;
    return null;
end;
$$;

comment on function warehouse.quality_test_guarantee(warehouse.quality_tests) is
    'What already guarantees a test, if anything: a unique index on (some of) a unique test''s columns, or NOT NULL on '
    'a not_null test''s column. Such a test is skipped, and its result says by what.';

create function warehouse.evaluate_quality_test(p_test warehouse.quality_tests, p_run_id bigint default null, p_changed_only boolean default false)
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
    v_guarantee text;
    v_changed text;
    v_parent text;
    v_filter text;
begin
    v_result.run_id := p_run_id;
    v_result.test_name := p_test.test_name;
    v_result.model_name := p_test.model_name;
    v_result.kind := p_test.kind;
    v_result.severity := p_test.severity;
    v_result.scope := 'all';

    begin
        v_guarantee := warehouse.quality_test_guarantee(p_test);
        if v_guarantee is not null then
            v_result.status := 'skipped';
            v_result.scope := 'none';
            v_result.failing_rows := 0;
            v_result.sample_keys := '{}';
            v_result.message := format('%s skipped: %s guarantees it', p_test.kind, v_guarantee);
            v_result.checked_at := clock_timestamp();
            return v_result;
        end if;
        -- In a run, the row-wise kinds check the rows it changed (freshness and row_count_match always all).
        if p_changed_only and p_test.kind in ('unique', 'not_null', 'accepted_values', 'relationships', 'no_negative', 'expression') then
            v_changed := warehouse.changed_rows_predicate(p_test.table_schema, p_test.table_name, 't');
            if v_changed is not null and p_test.kind = 'relationships' then
                v_parent := warehouse.changed_parent_predicate(v_params ->> 'to_schema', v_params ->> 'to_table',
                    v_params ->> 'to_column', p_test.column_name, 't');
                v_changed := case when v_parent is null then v_changed else format('(%s or %s)', v_changed, v_parent) end;
            end if;
        end if;
        if v_changed is not null then
            v_result.scope := 'changed';
        end if;
        -- the rows checked: the test's own where, and the changed rows (unique: see below)
        v_filter := nullif(concat_ws(' and ', '(' || v_where || ')',
            case when p_test.kind <> 'unique' then '(' || v_changed || ')' end), '');
        v_scope := case when v_where is null then '' else format(' where %s', v_where) end
            || case when v_changed is not null then ' (rows changed in this run)' else '' end;
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
                coalesce('(' || v_where || ')', 'true')
                    -- in a run: the key values of the changed rows, counted over the whole table
                    || case when v_changed is null then '' else format(' and (%s) in (select %s from %I.%I as s where %s)',
                        (select string_agg(format('t.%I', c), ', ' order by o) from unnest(v_columns) with ordinality as u (c, o)),
                        (select string_agg(format('s.%I', c), ', ' order by o) from unnest(v_columns) with ordinality as u (c, o)),
                        p_test.table_schema, p_test.table_name,
                        warehouse.changed_rows_predicate(p_test.table_schema, p_test.table_name, 's')) end,
                (select string_agg(format('t.%I', c), ', ' order by o) from unnest(v_columns) with ordinality as u (c, o))
            )
            into v_failing, v_checked, v_samples;
            v_message := format('unique (%s) in %s%s: %s key values occur more than once (%s rows with a non-null key checked)',
                array_to_string(v_columns, ', '), v_relation, v_scope, v_failing, v_checked);

        when 'not_null' then
            select q.failing_rows, q.rows_checked, q.sample_keys into v_failing, v_checked, v_samples
            from warehouse.quality_check_rows(p_test.table_schema, p_test.table_name,
                format('t.%I is null', p_test.column_name), v_filter, v_sample) as q;
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
                v_filter, format('t.%I', p_test.column_name)) as q;
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
                v_filter, format('t.%I', p_test.column_name)) as q;
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
                v_filter, v_sample) as q;
            v_message := format('no_negative (%s) in %s%s: %s of %s rows have a negative value',
                array_to_string(v_columns, ', '), v_relation, v_scope, v_failing, v_checked);

        when 'expression' then
            if v_where is null then
                raise exception 'expression test % needs params.where: a predicate that selects the failing rows', p_test.test_name;
            end if;
            select q.failing_rows, q.rows_checked, q.sample_keys into v_failing, v_checked, v_samples
            from warehouse.quality_check_rows(p_test.table_schema, p_test.table_name, v_where, v_changed, v_sample) as q;
            v_message := format('expression in %s%s: %s of %s rows match (%s)', v_relation,
                case when v_changed is not null then ' (rows changed in this run)' else '' end, v_failing, v_checked, v_where);

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

comment on function warehouse.evaluate_quality_test(warehouse.quality_tests, bigint, boolean) is
    'Builds and runs one test''s SQL and returns its result, without inserting it (result_id is NULL). With '
    'p_changed_only (a pipeline run) a row-wise test checks only the rows its model''s materializer changed in this '
    'transaction (scope changed); a test a constraint guarantees is skipped. Status: pass '
    'when no row fails, else fail (severity error) or warn (severity warn); freshness past warn_after only is warn. '
    'Never raises: when the test''s own SQL fails (missing table or column, bad params) the status is error and the '
    'message is the error text.';

create function warehouse.run_quality_tests(p_run_id bigint, p_model_names text[] default null, p_changed_only boolean default false)
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
        return next warehouse.evaluate_quality_test(v_test, p_run_id, p_changed_only);
    end loop;
end;
$$;

comment on function warehouse.run_quality_tests(bigint, text[], boolean) is
    'Evaluates every enabled test of the named models (all models when NULL), in order of model_name, test_name, on the '
    'changed rows only when p_changed_only (see evaluate_quality_test), and '
    'returns the results without inserting them: the caller may be in a transaction it will roll back, keeps the '
    'results, and records them with record_quality_results.';

create function warehouse.record_quality_results(p_results warehouse.quality_test_results[])
returns integer
language sql
set search_path = ''
as $$
    with inserted as (
        insert into warehouse.quality_test_results (
            run_id, test_name, model_name, kind, severity, status, scope, failing_rows, sample_keys, message, checked_at
        )
        select
            r.run_id,
            r.test_name,
            r.model_name,
            r.kind,
            r.severity,
            r.status,
            coalesce(r.scope, 'all'),
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

-- The full sweep: every test on every row, weekly (petforce-warehouse-weekly-quality-sweep) and on demand
-- (npm run warehouse -- sweep). A run checks only what it changed; the sweep catches what that cannot
-- (a row changed outside the pipeline, a test added or edited since the rows were written).
create function warehouse.run_quality_sweep()
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
    v_results warehouse.quality_test_results[];
    v_problems jsonb;
begin
    select coalesce(array_agg(r order by r.model_name, r.test_name), '{}') into v_results
    from warehouse.run_quality_tests(null, null, false) as r;
    perform warehouse.record_quality_results(v_results);
    select jsonb_agg(jsonb_build_object('test_name', r.test_name, 'failing_rows', r.failing_rows, 'message', r.message)
        order by r.test_name)
    into v_problems
    from unnest(v_results) as r
    where r.status in ('warn', 'fail', 'error');
    if v_problems is not null then
        perform warehouse.enqueue_alert('test_warning',
            case when cardinality(warehouse.failing_tests(v_results)) > 0 then 'error' else 'warning' end,
            'The quality sweep found problems in published data', jsonb_build_object('warnings', v_problems), null,
            format('quality-sweep:%s', to_char(now() at time zone 'UTC', 'YYYY-MM-DD')));
    end if;
    return jsonb_build_object(
        'tests', cardinality(v_results),
        'passed', (select count(*) from unnest(v_results) as r where r.status = 'pass'),
        'skipped', (select count(*) from unnest(v_results) as r where r.status = 'skipped'),
        'failing_tests', to_jsonb(warehouse.failing_tests(v_results)),
        'problems', coalesce(v_problems, '[]'));
end;
$$;

comment on function warehouse.run_quality_sweep() is
    'The full sweep: evaluates every enabled test on all rows of the published tables, records the results (run_id NULL, '
    'scope all) and, if any test warned or failed, enqueues one test_warning alert (at most one per UTC day). Returns '
    '{tests, passed, skipped, failing_tests, problems}.';
