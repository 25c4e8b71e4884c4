-- An ordered checksum of every staging and mart table's content, metadata columns (names starting with
-- "_") left out: two warehouses built from the same data by different code hold the same rows when
-- their checksums agree. psql only (\gexec). Hashes depend on the PII salt: give both the same salt.
select format(
    'select %L as model, count(*) as row_count, md5(coalesce(string_agg(r::text, E''\n'' order by r::text), '''')) as checksum from (select %s from %I.%I) as r',
    c.table_schema || '.' || c.table_name,
    string_agg(quote_ident(c.column_name), ', ' order by c.ordinal_position),
    c.table_schema, c.table_name)
from information_schema.columns as c
join pg_catalog.pg_class as k on k.relname = c.table_name and k.relnamespace = c.table_schema::regnamespace and k.relkind in ('r', 'p')
where c.table_schema in ('staging', 'marts') and c.column_name not like '\_%'
group by c.table_schema, c.table_name
order by c.table_schema, c.table_name
\gexec
