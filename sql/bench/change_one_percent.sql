-- Benchmark step: a day of app activity on 1% of users — a profile change each, and a new
-- session with a login for each — the incremental work the daily run must do in proportion.
update public.users
set failed_login_attempts = failed_login_attempts + 1
where id in (select id from public.users order by id limit (select greatest(count(*) / 100, 1) from public.users));

with picked as (
    select id as user_id from public.users order by id limit (select greatest(count(*) / 100, 1) from public.users)
),
new_sessions as (
    insert into public.sessions (user_id, started_at, last_activity_at, ended_at, device_type, auth_method, api_calls_count, features_used)
    select user_id, now() - interval '1 hour', now() - interval '40 minutes', now() - interval '30 minutes', 'web', 'email', 20,
           '{health_log}'
    from picked
    returning user_id, started_at
)
insert into public.auth_events (user_id, event_type, auth_method, occurred_at)
select user_id, 'login_success', 'email', started_at from new_sessions;
