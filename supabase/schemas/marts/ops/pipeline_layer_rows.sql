create view marts.pipeline_layer_rows
as
select n.layer, coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint as row_count
from (values ('raw'), ('staging'), ('marts')) as n (layer)
left join pg_catalog.pg_class as c on c.relnamespace = n.layer::regnamespace and c.relkind = 'r'
group by n.layer;

comment on view marts.pipeline_layer_rows is 'Rows per warehouse layer (planner statistics, current after each run). Grain: one row per layer.';
comment on column marts.pipeline_layer_rows.layer is 'raw, staging or marts.';
comment on column marts.pipeline_layer_rows.row_count is 'Approximate rows in the layer''s tables.';
