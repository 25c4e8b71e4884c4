-- Benchmark helpers (schema `bench`, scratch: not part of the warehouse), created by `npm run bench` on
-- its throwaway clusters. Idempotent.

create schema if not exists bench;

comment on schema bench is 'Benchmark helpers (npm run bench). Not part of the warehouse.';

-- bench.table_checksum(table, columns): the rows of a table as one ordered checksum of the given
-- columns, so that two tables built by different code (the pipeline's mart and the full-refresh
-- baseline's) can be compared without moving their rows. Each row's text (row(columns)::text) is
-- hashed; the hashes are sorted and concatenated per bucket (their first two hex digits), each
-- bucket hashed, and the buckets' hashes hashed in order: the same rows give the same checksum
-- whatever the physical order, any row more, less or different changes it, and no string grows past
-- 1/256 of the table (one string_agg over a big mart would pass PostgreSQL's 1 GB limit).
create or replace function bench.table_checksum(p_table regclass, p_columns text[])
returns table (row_count bigint, checksum text)
language plpgsql
stable
set search_path = ''
as $$
begin
    return query execute format(
        $q$
        with hashed as (
            select md5(r::text) collate "C" as h
            from (select %1$s from %2$s) as r
        ),
        buckets as (
            select left(h, 2) as bucket, count(*) as n, md5(string_agg(h, '' order by h)) as bucket_hash
            from hashed
            group by left(h, 2)
        )
        select coalesce(sum(n), 0)::bigint, md5(coalesce(string_agg(bucket || bucket_hash, '' order by bucket), ''))
        from buckets
        $q$,
        (select string_agg(format('%I', c), ', ' order by o) from unnest(p_columns) with ordinality as u (c, o)),
        p_table);
end;
$$;

comment on function bench.table_checksum(regclass, text[]) is
    'Row count and an ordered checksum (md5 of the sorted md5s of each row''s text, in 256 buckets) of a table''s given columns.';

-- bench.table_difference(a, b, columns): how many rows (as multisets, of the given columns) only a and
-- only b hold, and one example of each: what the bench prints when a mart and its baseline disagree.
create or replace function bench.table_difference(p_a regclass, p_b regclass, p_columns text[])
returns table (only_in_a bigint, only_in_b bigint, example_a text, example_b text)
language plpgsql
stable
set search_path = ''
as $$
declare
    v_columns text := (select string_agg(format('%I', c), ', ' order by o) from unnest(p_columns) with ordinality as u (c, o));
begin
    return query execute format(
        $q$
        with a_only as (select %1$s from %2$s except all select %1$s from %3$s),
             b_only as (select %1$s from %3$s except all select %1$s from %2$s)
        select (select count(*) from a_only), (select count(*) from b_only),
               (select min(r::text) from a_only as r), (select min(r::text) from b_only as r)
        $q$,
        v_columns, p_a, p_b);
end;
$$;

comment on function bench.table_difference(regclass, regclass, text[]) is
    'Rows (given columns, as multisets) only in a, only in b, and the least of each as text: the detail of a disagreement.';
