-- A deterministic day of change after synthetic data as of :'as_of' (psql -v as_of=YYYY-MM-DD): the same
-- bytes on every cluster that holds the same synthetic data, so that two warehouses built by different
-- code can be compared row for row (bench/compare-models.sh). Profile changes and opt-outs, new sessions
-- and logins, a late login ten days back, pets moved to another owner, weigh-ins corrected, hard deletes.
-- Timestamps are set, not taken from the clock: the app's updated_at triggers are off for the writes.
set session_replication_role = replica;
update public.users set failed_login_attempts = failed_login_attempts + 1, updated_at = :'as_of'::date + time '07:00'
where id in (select id from public.users order by id limit 30);
update public.users set analytics_opt_out = true, updated_at = :'as_of'::date + time '07:05'
where id in (select id from public.users order by id desc limit 30);
insert into public.sessions (id, user_id, started_at, last_activity_at, ended_at, device_type, auth_method, api_calls_count,
    features_used, created_at, updated_at)
select md5(id::text || 's')::uuid, id, :'as_of'::date + time '07:10', :'as_of'::date + time '07:20', :'as_of'::date + time '07:30',
    'web', 'email', 20, '{health_log}', :'as_of'::date + time '07:10', :'as_of'::date + time '07:10'
from public.users order by id limit 30;
insert into public.auth_events (id, user_id, event_type, auth_method, occurred_at, created_at)
select md5(id::text || 'a')::uuid, id, 'login_success', 'email', :'as_of'::date + time '07:10', :'as_of'::date + time '07:10'
from public.users order by id limit 30;
insert into public.auth_events (id, user_id, event_type, auth_method, occurred_at, created_at)
select md5(id::text || 'late')::uuid, id, 'login_success', 'email', :'as_of'::date - 10 + time '07:10', :'as_of'::date + time '07:11'
from public.users where created_at < :'as_of'::date - 11 order by id offset 100 limit 10;
update public.pets set owner_user_id = (select id from public.users order by id limit 1), updated_at = :'as_of'::date + time '07:12'
where id in (select id from public.pets order by id limit 3);
update public.pet_weights set weight_kg = weight_kg * 1.5, updated_at = :'as_of'::date + time '07:13'
where id in (select id from public.pet_weights order by id limit 10);
reset session_replication_role;
delete from public.auth_events where id in (select id from public.auth_events order by id limit 20);
delete from public.sessions where id in (select id from public.sessions order by id limit 20);
delete from public.product_events where id in (select id from public.product_events order by id limit 20);
delete from public.health_events where id in (select id from public.health_events order by id limit 5);
-- the deletions' capture time, fixed too
update warehouse.source_deletions set deleted_at = :'as_of'::date + time '07:30' where deleted_at > :'as_of'::date + time '08:00';
