-- A realistic day of change in the app's tables, for the benchmark's incremental run (npm run bench):
-- bench.day_of_change(as_of, seed) writes the 24 hours after the synthetic data's end (as_of 06:00 UTC,
-- sql/synth/generate.sql) and returns what it wrote, one row per kind of change. Deterministic: every
-- choice is a hash of a row's id and the seed, every time a fixed offset from as_of 06:00 UTC (never
-- the clock), so the same data and arguments give the same rows, byte for byte. Needs a superuser (it
-- sets session_replication_role, as synth does). Run it once per database, in one transaction:
--
--     select * from bench.day_of_change('2026-11-30', 42);
--
-- Volumes (bench.day_of_change_volumes, or given as the third argument, so that the same day can be
-- applied to a database with a longer history). "A day" is the synthetic data's average daily volume
-- over the year before as_of 06:00 UTC (rows created in those 365 days / 365), per table: sessions,
-- auth events, feature uses, weigh-ins, health events and care tasks. On top of that:
--   updated users  1% of the users (not deleted): each logs in once (a session that starts with a
--                  login_success); the app records the login (last_login_at, failed_login_attempts 0)
--                  and some change a setting: every 20th the preferred sign-in method, every 40th
--                  two-factor, every 50th the analytics opt-out (both ways), every 250th deletes the
--                  account (soft delete).
--   other sessions the rest of the day's sessions, by other users, resume with a refresh token
--                  (token_refresh at the start, no login, the users' rows unchanged).
--   new users      0.3% of the users sign up, each with a sign-up session, its login and logout, the
--                  onboarding funnel's first step, and for 70% the add_pet step and a new pet.
--   auth events    per session: a login_success (or the resuming token_refresh), a logout when it
--                  ended within the day, 3% of logins after a failed password; the rest of the day's
--                  volume as token refreshes spread over the sessions.
--   feature uses   the day's volume, spread over the day's sessions (distinct features per session;
--                  the sessions' features_used list them), each inside its session.
--   pets           weigh-ins of pets in use (their last weight +-2%; every 50th 15% down: abnormal),
--                  health events (medication 50%, vaccine 30%, vet visit 20%) and new care tasks
--                  (due in 7-30 days); half as many scheduled tasks due around as_of get completed; a
--                  few pets (0.01%, at least 2) move to another owner.
--   hard deletes   sessions older than 30 days (1% of a day's sessions, at least 3) and pets (0.005%,
--                  at least 1, with their weigh-ins, health events and care tasks: on delete cascade).
--                  The capture trigger records them at the transaction's start; their time is then
--                  set to as_of 06:00 UTC + 23 h.
--
-- Writes go through the app's tables as the app would, except that updated_at is set here (the
-- updated_at triggers, which would stamp now(), are off: session_replication_role = replica) and put
-- back on for the deletes, so that warehouse_capture_deletions sees them.

create schema if not exists bench;

comment on schema bench is 'Benchmark helpers (npm run bench). Not part of the warehouse.';

-- bench.day_of_change_volumes(as_of): the size of the day, as bench.day_of_change takes it.
create or replace function bench.day_of_change_volumes(p_as_of date)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_t timestamptz := (p_as_of + time '06:00') at time zone 'UTC';
    v_users bigint;
    v_pets bigint;
    v_sessions bigint;
    v_volumes jsonb;
begin
    select count(*) into v_users from public.users;
    select count(*) into v_pets from public.pets;
    if v_users = 0 then
        raise exception 'bench.day_of_change: public.users is empty (run npm run synth first)';
    end if;
    select round(count(*) / 365.0) into v_sessions from public.sessions
    where created_at > v_t - interval '365 days' and created_at <= v_t;
    v_volumes := jsonb_build_object(
        'sessions', v_sessions,
        'auth_events', (select round(count(*) / 365.0) from public.auth_events
                        where created_at > v_t - interval '365 days' and created_at <= v_t),
        'feature_uses', (select round(count(*) / 365.0) from public.product_events
                         where event_name = 'feature_used' and created_at > v_t - interval '365 days' and created_at <= v_t),
        'weighins', (select round(count(*) / 365.0) from public.pet_weights
                     where created_at > v_t - interval '365 days' and created_at <= v_t),
        'health_events', (select round(count(*) / 365.0) from public.health_events
                          where created_at > v_t - interval '365 days' and created_at <= v_t),
        'care_tasks', (select round(count(*) / 365.0) from public.care_tasks
                       where created_at > v_t - interval '365 days' and created_at <= v_t),
        'users_updated', greatest(1, round(v_users * 0.01)),
        'users_new', greatest(1, round(v_users * 0.003)),
        'pets_moved', greatest(2, round(v_pets * 0.0001)),
        'sessions_deleted', greatest(3, round(v_sessions * 0.01)),
        'pets_deleted', greatest(1, round(v_pets * 0.00005)));
    return v_volumes;
end;
$$;

comment on function bench.day_of_change_volumes(date) is
    'The size of bench.day_of_change''s day for the data as of as_of: average daily volumes over the year before as_of '
    '06:00 UTC, and the shares of users and pets changed (jsonb, one number per kind of change).';

create or replace function bench.day_of_change(p_as_of date, p_seed integer default 42, p_volumes jsonb default null)
returns table (change text, row_count bigint)
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_t timestamptz := (p_as_of + time '06:00') at time zone 'UTC';
    v_volumes jsonb := coalesce(p_volumes, bench.day_of_change_volumes(p_as_of));
    v_sessions bigint := (v_volumes ->> 'sessions')::bigint;
    v_auth_events bigint := (v_volumes ->> 'auth_events')::bigint;
    v_feature_uses bigint := (v_volumes ->> 'feature_uses')::bigint;
    v_weighins bigint := (v_volumes ->> 'weighins')::bigint;
    v_health_events bigint := (v_volumes ->> 'health_events')::bigint;
    v_care_tasks bigint := (v_volumes ->> 'care_tasks')::bigint;
    v_updated bigint := (v_volumes ->> 'users_updated')::bigint;
    v_new bigint := (v_volumes ->> 'users_new')::bigint;
    v_moves bigint := (v_volumes ->> 'pets_moved')::bigint;
    v_deleted_sessions bigint := (v_volumes ->> 'sessions_deleted')::bigint;
    v_deleted_pets bigint := (v_volumes ->> 'pets_deleted')::bigint;
    v_first_deletion bigint;
    v_count bigint;
begin
    if v_sessions is null or v_auth_events is null or v_feature_uses is null or v_weighins is null
        or v_health_events is null or v_care_tasks is null or v_updated is null or v_new is null
        or v_moves is null or v_deleted_sessions is null or v_deleted_pets is null then
        raise exception 'bench.day_of_change: volumes % lack a number (see bench.day_of_change_volumes)', v_volumes;
    end if;

    perform set_config('session_replication_role', 'replica', true);
    perform set_config('timezone', 'UTC', true);

    -- ---------------------------------------------------------------------------------------------
    -- Who does what: the updated users (a login each), the other users with a session (resumed)
    -- ---------------------------------------------------------------------------------------------
    drop table if exists pg_temp.day_session_user;
    create temporary table day_session_user on commit drop as
    with updated as (
        select u.id as user_id, true as logs_in
        from public.users as u
        where u.deleted_at is null
        order by uuid_hash_extended(u.id, p_seed + 1), u.id
        limit v_updated
    ),
    resumed as (
        select u.id as user_id, false as logs_in
        from public.users as u
        where u.deleted_at is null and u.id not in (select d.user_id from updated as d)
        order by uuid_hash_extended(u.id, p_seed + 2), u.id
        limit greatest(0, v_sessions - v_updated)
    )
    select x.user_id, x.logs_in, row_number() over (order by x.logs_in desc, uuid_hash_extended(x.user_id, p_seed + 3), x.user_id) as n
    from (select * from updated union all select * from resumed) as x;

    -- ---------------------------------------------------------------------------------------------
    -- New users: sign-ups spread over the day
    -- ---------------------------------------------------------------------------------------------
    drop table if exists pg_temp.day_new_user;
    create temporary table day_new_user on commit drop as
    select
        g.n,
        md5(format('bench-day:%s:%s:user:%s', p_seed, p_as_of, g.n))::uuid as user_id,
        v_t + make_interval(secs => 120 + floor((86400 - 3600) * (g.n - 1)::numeric / v_new)) as created_at,
        (array['ios', 'android', 'web'])[1 + g.n % 3] as device_type,
        case when g.n % 4 = 0 then 'google' else 'email' end as auth_method,
        (array['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'hotmail.com'])[1 + g.n % 5] as domain,
        g.n % 10 < 7 as adds_pet
    from generate_series(1, v_new) as g (n);

    insert into public.users (
        id, email, email_verified, hashed_password, first_name, last_name, profile_photo_url, auth_methods,
        preferred_auth_method, two_factor_enabled, account_locked_until, failed_login_attempts, last_login_at,
        last_login_ip, created_at, updated_at, deleted_at, analytics_opt_out
    )
    select
        n.user_id,
        format('newuser-%s-%s@%s', p_as_of, n.n, n.domain),
        n.auth_method = 'google',
        case when n.auth_method = 'email' then '$2a$10$' || rpad(md5(n.user_id::text), 53, 'x') end,
        'New',
        'User',
        null,
        array[n.auth_method],
        n.auth_method,
        false,
        null,
        0,
        n.created_at + interval '3 seconds',
        '0.0.0.0'::inet + (1500000000 + n.n * 7919) % 2000000000,
        n.created_at,
        n.created_at + interval '3 seconds',
        null,
        false
    from day_new_user as n;
    get diagnostics v_count = row_count;
    change := 'users signed up'; row_count := v_count; return next;

    -- ---------------------------------------------------------------------------------------------
    -- Sessions of the day: the updated users', the resumed ones, the new users' sign-up sessions
    -- ---------------------------------------------------------------------------------------------
    drop table if exists pg_temp.day_session;
    create temporary table day_session on commit drop as
    with existing as (
        select
            d.user_id,
            d.logs_in,
            md5(format('bench-day:%s:%s:session:%s', p_seed, p_as_of, d.user_id))::uuid as session_id,
            v_t + make_interval(secs => 60 + floor((86400 - 2000) * (d.n - 1)::numeric / greatest(1, (select count(*) from day_session_user)))) as started_at,
            60 + (uuid_hash_extended(d.user_id, p_seed + 4) & 1023) * 2 as seconds,
            l.ip_address, l.user_agent, l.device_type, l.auth_method
        from day_session_user as d
        left join lateral (
            select s.ip_address, s.user_agent, s.device_type, s.auth_method
            from public.sessions as s
            where s.user_id = d.user_id
            order by s.started_at desc, s.id
            limit 1
        ) as l on true
    ),
    signups as (
        select
            n.user_id,
            true as logs_in,
            md5(format('bench-day:%s:%s:session:%s', p_seed, p_as_of, n.user_id))::uuid as session_id,
            n.created_at + interval '3 seconds' as started_at,
            300 + n.n % 900 as seconds,
            '0.0.0.0'::inet + (1500000000 + n.n * 7919) % 2000000000 as ip_address,
            case n.device_type when 'web' then 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36'
                else 'PetForce/4.10.1 (' || n.device_type || ')' end as user_agent,
            n.device_type,
            n.auth_method
        from day_new_user as n
    )
    select
        x.user_id, x.logs_in, x.session_id, x.started_at,
        case when x.started_at + make_interval(secs => x.seconds) <= v_t + interval '1 day'
            then x.started_at + make_interval(secs => x.seconds) end as ended_at,
        least(x.started_at + make_interval(secs => x.seconds), v_t + interval '1 day') as last_activity_at,
        x.ip_address, x.user_agent, coalesce(x.device_type, 'web') as device_type, coalesce(x.auth_method, 'email') as auth_method,
        row_number() over (order by x.started_at, x.session_id) as k
    from (select * from existing union all select * from signups) as x;

    -- feature uses: the day's volume spread over the sessions, distinct features per session
    drop table if exists pg_temp.day_feature_use;
    create temporary table day_feature_use on commit drop as
    with counts as (
        select count(*) as sessions from day_session
    )
    select
        s.session_id,
        s.user_id,
        md5(format('bench-day:%s:%s:feature:%s', p_seed, p_as_of, g.j))::uuid as event_id,
        (array['pet_profile', 'health_log', 'care_reminders', 'photo_journal', 'vaccine_tracker', 'weight_tracker',
               'medication_schedule', 'vet_finder'])[1 + ((g.j - 1) / c.sessions + (s.k % 8)) % 8] as feature_name,
        s.started_at + make_interval(secs => floor(extract(epoch from s.last_activity_at - s.started_at)
            * ((g.j - 1) / c.sessions + 1) / (v_feature_uses / c.sessions + 2))) as occurred_at,
        (5 + g.j % 115)::integer as duration_seconds,
        s.device_type
    from counts as c
    cross join generate_series(1, least(v_feature_uses, c.sessions * 8)) as g (j)
    join day_session as s on s.k = 1 + (g.j - 1) % c.sessions;

    insert into public.sessions (
        id, user_id, started_at, last_activity_at, ended_at, ip_address, user_agent, device_type, auth_method,
        api_calls_count, features_used, created_at, updated_at
    )
    select
        s.session_id, s.user_id, s.started_at, s.last_activity_at, s.ended_at, s.ip_address, s.user_agent, s.device_type,
        s.auth_method,
        (2 + extract(epoch from s.last_activity_at - s.started_at) / 40)::integer,
        coalesce((select array_agg(f.feature_name order by f.feature_name) from day_feature_use as f where f.session_id = s.session_id), '{}'),
        s.started_at,
        coalesce(s.ended_at, s.last_activity_at)
    from day_session as s;
    get diagnostics v_count = row_count;
    change := 'sessions'; row_count := v_count; return next;

    -- ---------------------------------------------------------------------------------------------
    -- Auth events: the login (or the resuming refresh), a failed password before 3% of logins, the
    -- logout, and the rest of the day's volume as refreshes spread over the sessions
    -- ---------------------------------------------------------------------------------------------
    insert into public.auth_events (id, user_id, event_type, auth_method, failure_reason, ip_address, user_agent, occurred_at, created_at)
    with base as (
        select s.*, case when s.logs_in then 'login_success' else 'token_refresh' end as event_type, s.started_at as at, 0 as m
        from day_session as s
        union all
        select s.*, 'login_failure', s.started_at - interval '40 seconds', 1
        from day_session as s
        where s.logs_in and s.k % 33 = 0
        union all
        select s.*, 'logout', s.ended_at, 2
        from day_session as s
        where s.ended_at is not null
    ),
    counts as (
        select (select count(*) from base) as fixed, (select count(*) from day_session) as sessions
    ),
    refreshes as (
        select s.*, 'token_refresh' as event_type,
               s.started_at + make_interval(secs => floor(extract(epoch from s.last_activity_at - s.started_at) * r.i / (t.total + 1))) as at,
               10 + r.i as m
        from counts as c
        cross join day_session as s
        cross join lateral (
            select (greatest(0, v_auth_events - c.fixed) / c.sessions
                    + case when s.k <= greatest(0, v_auth_events - c.fixed) % c.sessions then 1 else 0 end)::integer as total
        ) as t
        cross join lateral generate_series(1, t.total) as r (i)
    )
    select
        md5(format('bench-day:%s:%s:auth:%s:%s', p_seed, p_as_of, e.session_id, e.m))::uuid,
        e.user_id, e.event_type, e.auth_method,
        case when e.event_type = 'login_failure' then 'bad_password' end,
        e.ip_address, e.user_agent, e.at, e.at
    from (
        select b.session_id, b.user_id, b.event_type, b.auth_method, b.ip_address, b.user_agent, b.at, b.m from base as b
        union all
        select r.session_id, r.user_id, r.event_type, r.auth_method, r.ip_address, r.user_agent, r.at, r.m from refreshes as r
    ) as e;
    get diagnostics v_count = row_count;
    change := 'auth events'; row_count := v_count; return next;

    -- the logins the app records on the users' rows, and the settings some of them change
    update public.users as u
    set last_login_at = s.started_at,
        failed_login_attempts = 0,
        preferred_auth_method = case when d.n % 20 = 0 and cardinality(u.auth_methods) > 1
            then u.auth_methods[case when u.preferred_auth_method = u.auth_methods[1] then 2 else 1 end]
            else u.preferred_auth_method end,
        two_factor_enabled = case when d.n % 40 = 0 then not u.two_factor_enabled else u.two_factor_enabled end,
        analytics_opt_out = case when d.n % 50 = 0 then not u.analytics_opt_out else u.analytics_opt_out end,
        deleted_at = case when d.n % 250 = 0 then coalesce(s.ended_at, s.last_activity_at) else u.deleted_at end,
        updated_at = coalesce(s.ended_at, s.last_activity_at)
    from day_session_user as d
    join day_session as s on s.user_id = d.user_id
    where u.id = d.user_id and d.logs_in;
    get diagnostics v_count = row_count;
    change := 'users updated'; row_count := v_count; return next;

    -- ---------------------------------------------------------------------------------------------
    -- Product events: the feature uses, and the new users' onboarding steps
    -- ---------------------------------------------------------------------------------------------
    insert into public.product_events (
        id, user_id, session_id, event_name, feature_name, funnel_name, funnel_step, step_number, duration_seconds,
        properties, occurred_at, created_at
    )
    select f.event_id, f.user_id, f.session_id, 'feature_used', f.feature_name, null, null, null, f.duration_seconds,
           jsonb_build_object('device_type', f.device_type), f.occurred_at, f.occurred_at
    from day_feature_use as f
    union all
    select md5(format('bench-day:%s:%s:funnel:%s:1', p_seed, p_as_of, n.user_id))::uuid, n.user_id,
           md5(format('bench-day:%s:%s:session:%s', p_seed, p_as_of, n.user_id))::uuid,
           'funnel_step', null, 'onboarding', 'signup', 1, null, '{}'::jsonb, n.created_at, n.created_at
    from day_new_user as n
    union all
    select md5(format('bench-day:%s:%s:funnel:%s:2', p_seed, p_as_of, n.user_id))::uuid, n.user_id, null,
           'funnel_step', null, 'onboarding', 'add_pet', 2, null,
           jsonb_build_object('species', case when n.n % 3 = 0 then 'cat' else 'dog' end),
           n.created_at + interval '90 seconds', n.created_at + interval '90 seconds'
    from day_new_user as n
    where n.adds_pet;
    get diagnostics v_count = row_count;
    change := 'product events'; row_count := v_count; return next;

    -- ---------------------------------------------------------------------------------------------
    -- Pets: the new users' pets, weigh-ins, health events, care tasks, completions, owner changes
    -- ---------------------------------------------------------------------------------------------
    insert into public.pets (id, owner_user_id, name, species, breed, birth_date, sex, is_neutered, created_at, updated_at, deleted_at)
    select md5(format('bench-day:%s:%s:pet:%s', p_seed, p_as_of, n.user_id))::uuid, n.user_id, 'Buddy',
           case when n.n % 3 = 0 then 'cat' else 'dog' end, 'Mixed', p_as_of - (60 + n.n % 3000)::integer,
           case when n.n % 2 = 0 then 'female' else 'male' end, n.n % 3 = 1,
           n.created_at + interval '90 seconds', n.created_at + interval '90 seconds', null
    from day_new_user as n
    where n.adds_pet;
    get diagnostics v_count = row_count;
    change := 'pets added'; row_count := v_count; return next;

    -- pets in use: not deleted, owner not deleted, added before the day
    drop table if exists pg_temp.day_pet;
    create temporary table day_pet on commit drop as
    select p.id as pet_id, p.species, p.owner_user_id, uuid_hash_extended(p.id, p_seed + 5) as h
    from public.pets as p
    join public.users as u on u.id = p.owner_user_id
    where p.deleted_at is null and u.deleted_at is null and p.created_at <= v_t;

    insert into public.pet_weights (id, pet_id, weighed_on, weight_kg, created_at, updated_at)
    select
        md5(format('bench-day:%s:%s:weight:%s', p_seed, p_as_of, x.pet_id))::uuid,
        x.pet_id,
        (x.at at time zone 'UTC')::date,
        greatest(0.01, round(coalesce(l.weight_kg, 5.00) * case when x.n % 50 = 0 then 0.85 else 0.98 + (x.h & 1023) / 25575.0 end, 2)),
        x.at,
        x.at
    from (
        select d.pet_id, d.h, row_number() over (order by d.h, d.pet_id) as n,
               v_t + make_interval(secs => 600 + (d.h & 65535) % 85000) as at
        from day_pet as d
        order by d.h, d.pet_id
        limit v_weighins
    ) as x
    left join lateral (
        select w.weight_kg from public.pet_weights as w
        where w.pet_id = x.pet_id order by w.weighed_on desc, w.id limit 1
    ) as l on true;
    get diagnostics v_count = row_count;
    change := 'weigh-ins'; row_count := v_count; return next;

    insert into public.health_events (
        id, pet_id, event_type, vaccine_name, medication_name, occurred_on, next_due_on, outcome, notes, created_at, updated_at
    )
    select
        md5(format('bench-day:%s:%s:health:%s', p_seed, p_as_of, x.pet_id))::uuid,
        x.pet_id,
        x.event_type,
        case when x.event_type = 'vaccine' then
            case when x.species in ('dog', 'cat') and x.n % 2 = 0 then 'rabies'
                 when x.species = 'dog' then 'DHPP' when x.species = 'cat' then 'FVRCP' else 'RHDV2' end end,
        case when x.event_type = 'medication' then
            case when x.species = 'dog' and x.n % 3 = 0 then 'heartworm_preventive' else 'flea_tick_preventive' end end,
        (x.at at time zone 'UTC')::date,
        case x.event_type when 'vaccine' then (x.at at time zone 'UTC')::date + 365
                          when 'medication' then (x.at at time zone 'UTC')::date + 30 end,
        case when x.event_type = 'vet_visit' then 'healthy' else 'given' end,
        null,
        x.at,
        x.at
    from (
        select d.pet_id, d.species, row_number() over (order by d.h >> 8, d.pet_id) as n,
               case when (d.h >> 20) & 15 < 8 then 'medication' when (d.h >> 20) & 15 < 13 then 'vaccine' else 'vet_visit' end as event_type,
               v_t + make_interval(secs => 900 + ((d.h >> 16) & 65535) % 84000) as at
        from day_pet as d
        order by d.h >> 8, d.pet_id
        limit v_health_events
    ) as x;
    get diagnostics v_count = row_count;
    change := 'health events'; row_count := v_count; return next;

    insert into public.care_tasks (id, pet_id, task_type, due_on, reminder_sent_at, completed_at, status, created_at, updated_at)
    select
        md5(format('bench-day:%s:%s:task:%s', p_seed, p_as_of, x.pet_id))::uuid,
        x.pet_id,
        (array['vaccine_due', 'medication', 'vet_checkup', 'grooming', 'weigh_in'])[1 + x.n % 5],
        (x.at at time zone 'UTC')::date + 7 + (x.n % 24)::integer,
        null, null, 'scheduled', x.at, x.at
    from (
        select d.pet_id, row_number() over (order by d.h >> 4, d.pet_id) as n,
               v_t + make_interval(secs => 300 + ((d.h >> 24) & 65535) % 85000) as at
        from day_pet as d
        order by d.h >> 4, d.pet_id
        limit v_care_tasks
    ) as x;
    get diagnostics v_count = row_count;
    change := 'care tasks added'; row_count := v_count; return next;

    update public.care_tasks as c
    set status = 'completed', completed_at = x.at, updated_at = x.at
    from (
        select t.id, v_t + make_interval(secs => 3600 + (uuid_hash_extended(t.id, p_seed + 6) & 65535) % 80000) as at
        from public.care_tasks as t
        where t.status = 'scheduled' and t.due_on between p_as_of - 7 and p_as_of + 3
        order by uuid_hash_extended(t.id, p_seed + 6), t.id
        limit v_care_tasks / 2
    ) as x
    where c.id = x.id;
    get diagnostics v_count = row_count;
    change := 'care tasks completed'; row_count := v_count; return next;

    update public.pets as p
    set owner_user_id = x.new_owner, updated_at = x.at
    from (
        select m.pet_id, o.user_id as new_owner, v_t + make_interval(secs => 7200 + m.n * 60) as at
        from (
            select d.pet_id, d.owner_user_id, row_number() over (order by uuid_hash_extended(d.pet_id, p_seed + 7), d.pet_id) as n
            from day_pet as d
            order by uuid_hash_extended(d.pet_id, p_seed + 7), d.pet_id
            limit v_moves
        ) as m
        join (
            select u.id as user_id, row_number() over (order by uuid_hash_extended(u.id, p_seed + 8), u.id) as n
            from public.users as u
            where u.deleted_at is null
            order by uuid_hash_extended(u.id, p_seed + 8), u.id
            limit v_moves + 1
        ) as o on o.n = m.n and o.user_id <> m.owner_user_id
    ) as x
    where p.id = x.pet_id;
    get diagnostics v_count = row_count;
    change := 'pets moved to another owner'; row_count := v_count; return next;

    -- ---------------------------------------------------------------------------------------------
    -- Hard deletes, with the triggers on (warehouse_capture_deletions records them)
    -- ---------------------------------------------------------------------------------------------
    perform set_config('session_replication_role', 'origin', true);
    select coalesce(max(d.deletion_id), 0) into v_first_deletion from warehouse.source_deletions as d;

    delete from public.sessions as s
    where s.id in (
        select o.id from public.sessions as o
        where o.started_at < v_t - interval '30 days'
        order by uuid_hash_extended(o.id, p_seed + 9), o.id
        limit v_deleted_sessions
    );
    get diagnostics v_count = row_count;
    change := 'sessions deleted'; row_count := v_count; return next;

    delete from public.pets as p
    where p.id in (
        select d.pet_id from day_pet as d
        order by uuid_hash_extended(d.pet_id, p_seed + 10), d.pet_id
        limit v_deleted_pets
    );
    get diagnostics v_count = row_count;
    change := 'pets deleted'; row_count := v_count; return next;

    update warehouse.source_deletions as d
    set deleted_at = v_t + interval '23 hours'
    where d.deletion_id > v_first_deletion;
    get diagnostics v_count = row_count;
    change := 'deletions captured'; row_count := v_count; return next;
end;
$$;

comment on function bench.day_of_change(date, integer, jsonb) is
    'Writes a deterministic, realistic day of app activity (the 24 hours after as_of 06:00 UTC) into the app''s tables; '
    'returns the rows written per kind of change. The incremental run of npm run bench applies it.';
