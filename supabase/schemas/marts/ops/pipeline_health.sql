-- The pipeline's health, no user data: a view with its owner's rights, so analysts and the report can
-- read it without reading the warehouse schema.
create view marts.pipeline_health
as
select r.run_id, r.status, r.full_refresh, r.started_at, r.finished_at, r.failing_tests,
       (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status <> 'skipped') as tests_run,
       (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status = 'pass') as tests_passed,
       (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status = 'warn') as tests_warned,
       (select count(*) from warehouse.quality_test_results as q where q.run_id = r.run_id and q.status = 'skipped') as tests_skipped
from warehouse.pipeline_runs as r
where r.status <> 'skipped';

comment on view marts.pipeline_health is 'Pipeline runs with their test counts, for the report and Metabase. Grain: one row per run (skipped runs left out).';
comment on column marts.pipeline_health.run_id is 'The run.';
comment on column marts.pipeline_health.status is 'succeeded, failed, partial (a backfill run that spent its time budget) or running.';
comment on column marts.pipeline_health.full_refresh is 'Whether it rebuilt staging and marts.';
comment on column marts.pipeline_health.started_at is 'Start.';
comment on column marts.pipeline_health.finished_at is 'End.';
comment on column marts.pipeline_health.failing_tests is 'Error-severity tests that failed.';
comment on column marts.pipeline_health.tests_run is 'Quality tests run (skipped ones left out).';
comment on column marts.pipeline_health.tests_passed is 'Of them, passed.';
comment on column marts.pipeline_health.tests_warned is 'Of them, warned.';
comment on column marts.pipeline_health.tests_skipped is 'Quality tests skipped because a constraint of the table guarantees them.';
