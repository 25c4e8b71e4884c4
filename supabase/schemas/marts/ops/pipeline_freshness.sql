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
