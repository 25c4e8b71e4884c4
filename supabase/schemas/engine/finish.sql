-- Last in the tree: what needs every table in place. The current month's raw partitions and the next
-- ones, the pg_cron jobs (idempotent: unscheduled, then scheduled), and no privilege at all for the
-- Data API roles on anything the tree created (functions get PUBLIC execute by default).

select count(*) from warehouse.ensure_partitions();

select warehouse.schedule_jobs();

select warehouse.revoke_api_access();
