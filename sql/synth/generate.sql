-- Synthetic operational data: fills public.users, public.sessions and public.auth_events with a
-- year (or --years N) of realistic, deterministic PetForce activity ending at --as-of 06:00 UTC.
--
-- Run by `npm run synth` (scripts/synth.ts), which loads sql/synth/functions.sql first, empties the
-- three tables unless --append, and runs both files in ONE transaction. By hand (superuser):
--
--     psql -1 -v ON_ERROR_STOP=1 -c "set synth.users = 1000" -c "set synth.seed = 42" \
--          -c "set synth.as_of = '2026-11-26'" -f sql/synth/functions.sql -f sql/synth/generate.sql
--
-- (without a truncate first, the new users are numbered after the synthetic users already there).
--
-- Parameters (custom settings): synth.users (how many users), synth.seed, synth.as_of (a date),
-- synth.years (how many years of history, 1 or 2; unset: 1). --years 1 gives the same bytes as before
-- the option existed: every expression that depends on it reduces to the one-year constant exactly.
--
-- Rules that hold everywhere:
--   * set-based only: every row comes out of insert ... select over generate_series; no loops
--     over data (the two DO blocks below loop over a handful of index definitions).
--   * deterministic: no random(), no now(). Every draw is a hash of (seed, entity, field name):
--     synth.rand() for per-user draws, synth.hash() slices for the bulk tables (functions.sql).
--     Ids: users md5(seed || ':user:' || n)::uuid; sessions and events synth.uuid() of two such
--     hashes. Same parameters => same bytes.
--   * no timestamp is later than T = as_of 06:00 UTC; times are whole seconds, computed as epoch
--     seconds (bigint) and converted with to_timestamp() at the end, so the session time zone and
--     DST never matter.
--
-- Steps: parameters -> drop indexes of empty tables -> per-user plan (temp table synth_user) ->
-- sessions -> session auth events -> each user's last login (latest login_success event) ->
-- per-user tail (failed logins since the last success, account locks) -> users -> tail auth
-- events -> rebuild indexes -> analyze.
--
-- session_replication_role = replica (superuser only) skips ordinary triggers for the
-- transaction: the foreign-key checks (sessions.user_id) and the updated_at triggers. That lets
-- the users be written last, complete (last login, lock, updated_at computed from their events,
-- so no UPDATE and no trigger overwriting updated_at with now()), and spares ten million FK
-- lookups. Every user_id written here exists by construction when the transaction commits.

set local session_replication_role = replica;
set local timezone = 'UTC';
-- memory for the big sorts: the last-login aggregate and the index rebuilds (in-memory sorts
-- are several times faster than spilling to disk)
set local work_mem = '512MB';
set local maintenance_work_mem = '2GB';
set local statement_timeout = 0;
-- JIT would spend seconds compiling these wide expressions and save little; Memoize caches
-- lateral subqueries whose inputs never repeat here (pure overhead)
set local jit = off;
set local enable_memoize = off;

-- ---------------------------------------------------------------------------------------------
-- Parameters
-- ---------------------------------------------------------------------------------------------

-- One row. first_n: user numbers continue after the synthetic users already in the table (their
-- number is the digits before the @ of their email), so --append never reuses an id or an email.
create temp table synth_params on commit drop as
select
    x.seed,
    x.first_n,
    x.first_n + x.users - 1 as last_n,
    x.t,
    x.years,
    -- the span of the history, in seconds: 365 days a year
    x.years * 31536000::bigint as span
from (
    select
        current_setting('synth.seed')::bigint as seed,
        current_setting('synth.users')::bigint as users,
        coalesce(nullif(current_setting('synth.years', true), ''), '1')::integer as years,
        1 + coalesce((
            select max(substring(email from '^[a-z]+\.[a-z]+([0-9]+)@')::bigint)
            from public.users
        ), 0) as first_n,
        -- T: the latest instant anything may happen at
        extract(epoch from (current_setting('synth.as_of')::date + time '06:00') at time zone 'UTC')::bigint as t
) as x;

-- ---------------------------------------------------------------------------------------------
-- Bulk load: no indexes while the tables fill
-- ---------------------------------------------------------------------------------------------
--
-- Maintaining a b-tree row by row costs several microseconds per index and row (random uuid and
-- timestamp keys); building it once from sorted input afterwards is 3-4 times cheaper. So the
-- indexes and primary/unique constraints of each table that is empty now (all three, unless
-- --append) are dropped here and recreated from their exact definitions (and comments) at the
-- end of this same transaction: no other session ever sees a table without them. An index that
-- a foreign key depends on (users_pkey, referenced by sessions.user_id) stays.
create temp table synth_index on commit drop as
select
    i.indrelid::regclass::text as table_name,
    i.indexrelid::regclass::text as index_name,
    c.conname,
    case
        when c.oid is null then pg_get_indexdef(i.indexrelid)
        else format('alter table %s add constraint %I %s', i.indrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
    end as definition,
    case
        when c.oid is null then
            format('comment on index %s is %L', i.indexrelid::regclass, obj_description(i.indexrelid, 'pg_class'))
        else
            format('comment on constraint %I on %s is %L',
                c.conname, i.indrelid::regclass, obj_description(c.oid, 'pg_constraint'))
    end as comment,
    coalesce(obj_description(i.indexrelid, 'pg_class'), obj_description(c.oid, 'pg_constraint')) is not null as has_comment
from pg_index as i
left join pg_constraint as c
    on c.conindid = i.indexrelid and c.conrelid = i.indrelid and c.contype in ('p', 'u', 'x')
where i.indrelid in ('public.users'::regclass, 'public.sessions'::regclass, 'public.auth_events'::regclass)
    and not exists (select from pg_constraint as f where f.contype = 'f' and f.conindid = i.indexrelid)
    and (
        i.indrelid = 'public.users'::regclass and not exists (select from public.users)
        or i.indrelid = 'public.sessions'::regclass and not exists (select from public.sessions)
        or i.indrelid = 'public.auth_events'::regclass and not exists (select from public.auth_events)
    );

do $$
declare
    ix record;
begin
    for ix in select * from synth_index order by index_name loop
        if ix.conname is null then
            execute format('drop index %s', ix.index_name);
        else
            execute format('alter table %s drop constraint %I', ix.table_name, ix.conname);
        end if;
    end loop;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Per-user plan: every per-user decision, made once. One row per user number n.
-- ---------------------------------------------------------------------------------------------
--
-- Distributions (shares of all users, approximately):
--   sign-up     over the 365 days (x years) before T, density growing 3x a year (more recent
--               sign-ups); inverse CDF of 3^(years x) on [0,1]. Last possible sign-up: T - 1 hour.
--   segment     by last activity: churned ~25% (nothing in the last 60+ days; only users older than
--               60 days can be), at_risk ~14% (last activity 30-60 days ago), active ~48% (last
--               activity within the last 30 days), new ~13% (signed up in the last 30 days; 30% of
--               them never came back after the sign-up session).
--   sessions    1 + span_days * rate, rate per user log-normal around 0.058/day (sigma 0.8),
--               scaled by segment (x0.6 churned ... x1.5 new): ~10 sessions per user on average,
--               median 4, p90 ~24, at most 400. Active users' time since their last session
--               follows their own rate (exponential), so daily actives stay level up to T.
--   deleted     ~3%: 12% of churned users soft-deleted 1-31 days after their last activity.
--   device      primary device ios 42%, android 38%, web 20%.
--   auth        {email} 42%, {email,google} 20%, {google} 17%, {apple} 8%, {email,apple} 7%,
--               {magic_link} 5% (apple mostly on iOS, none on Android) => ~70% have a password.
--   verified    ~85% (provider sign-ins nearly always, email-only ~69%).
--   2FA ~12% (15% of password users, 5% of others); opt-out 4%; profile photo ~60%.
--   failures    failed_login_attempts 0 for ~96%, else 1-5 (1 most common); locks ~1%: ~0.5%
--               locked now (until after T), ~0.5% with a lock that expired before the last login.
create temp table synth_user on commit drop as
select
    g.n,
    md5(p.seed || ':user:' || g.n)::uuid as id,
    r.hbase,
    a.c,
    b.seg,
    c.l,
    d.del,
    d.cnt,
    a.device,
    b.methods,
    c.preferred,
    c.has_email,
    d.two_fa,
    d.verified,
    synth.u16(r.flags, 1) < 0.04 as opt_out,
    e.failed,
    e.lock,
    a.first_name,
    a.last_name,
    lower(a.first_name) || '.' || lower(a.last_name) || g.n || '@' || a.domain as email,
    case when c.has_email then
        -- a fake bcrypt hash: $2a$10$ + 53 characters of the bcrypt alphabet
        '$2a$10$' || substr(translate(encode(
            int8send(synth.hash(r.hbase, 'pw1')) || int8send(synth.hash(r.hbase, 'pw2'))
            || int8send(synth.hash(r.hbase, 'pw3')) || int8send(synth.hash(r.hbase, 'pw4'))
            || int8send(synth.hash(r.hbase, 'pw5')) || int8send(synth.hash(r.hbase, 'pw6')),
            'base64'), '+/', './'), 1, 53)
    end as hashed_password,
    case
        -- Google sign-ins bring their Google avatar (80%); others upload one half of the time
        when 'google' = any(b.methods) and synth.u16(r.profile, 3) < 0.80 then
            'https://lh3.googleusercontent.com/a/ACg8oc' || translate(substr(encode(
                int8send(synth.hash(r.hbase, 'photo')) || int8send(synth.hash(r.hbase, 'photo_2')), 'base64'), 1, 22), '+/', '-_')
            || '=s96-c'
        when not 'google' = any(b.methods) and synth.u16(r.profile, 3) < 0.50 then
            'https://cdn.petforce.app/avatars/'
            || synth.uuid(synth.hash(r.hbase, 'avatar'), synth.hash(r.hbase, 'avatar_2')) || '.jpg'
    end as profile_photo_url,
    synth.public_ipv4(synth.hash(r.hbase, 'home_ip')) as home_ip,
    a.ios_tail,
    a.android_tail,
    a.web_ua
from synth_params as p
cross join generate_series(p.first_n, p.last_n) as g(n)
-- Each step is a lateral subquery with `offset 0`, so that it is computed once per row: without
-- the fence the planner inlines a step into every expression that uses it.
-- the user's 64-bit hash (the root of all the user's draws, and of its sessions' and events')
-- and eight field hashes, each sliced into 16- or 32-bit uniforms (synth.u16, synth.u32)
cross join lateral (
    select
        x.hbase,
        synth.hash(x.hbase, 'user_time') as time,           -- u32: sign-up, last activity
        synth.hash(x.hbase, 'user_activity') as activity,   -- u16: segment, one-and-done, deleted, deleted after
        synth.hash(x.hbase, 'user_rate') as rate,           -- u32: session rate (two normals' uniforms)
        synth.hash(x.hbase, 'user_auth') as auth,           -- u16: device, methods, preferred, 2FA
        synth.hash(x.hbase, 'user_flags') as flags,         -- u16: verified, opt-out, failed logins, lock
        synth.hash(x.hbase, 'user_profile') as profile,     -- u16: first name, last name, domain, photo
        synth.hash(x.hbase, 'user_devices') as devices,     -- u16: iOS version, iOS scale, Android version, model
        synth.hash(x.hbase, 'user_misc') as misc            -- u16: browser, session-count rounding
    from (select synth.hash(hashint8extended(g.n, p.seed), 'user') as hbase) as x
    offset 0
) as r
-- sign-up time c (epoch seconds), primary device, names, email domain, device strings
cross join lateral (
    select
        -- density growing 3x a year: inverse CDF of 3^(years x) on [0, 1]; the last at T - 1 hour
        p.t - p.span + floor((p.span - 3600) * ln(1.0 + (power(3.0, p.years) - 1.0) * synth.u32(r.time, 0))
            / (p.years * ln(3.0)))::bigint as c,
        case
            when synth.u16(r.auth, 0) < 0.42 then 'ios'
            when synth.u16(r.auth, 0) < 0.80 then 'android'
            else 'web'
        end as device,
        (array[
            'Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Elijah', 'Sophia', 'James', 'Isabella', 'Lucas',
            'Mia', 'Mateo', 'Charlotte', 'Benjamin', 'Amelia', 'Henry', 'Harper', 'Alexander', 'Evelyn', 'Daniel',
            'Priya', 'Wei', 'Aisha', 'Diego', 'Sofia', 'Hiroshi', 'Fatima', 'Mohammed', 'Chloe', 'Ethan',
            'Grace', 'Jack', 'Zoe', 'Samuel', 'Nora', 'Leo', 'Maya', 'Owen', 'Lily', 'Gabriel'
        ])[1 + floor(40 * synth.u16(r.profile, 0))::integer] as first_name,
        (array[
            'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
            'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
            'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
            'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Nguyen', 'Patel', 'Kim', 'Chen'
        ])[1 + floor(40 * synth.u16(r.profile, 1))::integer] as last_name,
        -- gmail 45%, yahoo 12%, outlook 10%, icloud 10%, hotmail 8%, petforce.app 3%, aol 3%,
        -- proton 3%, comcast 3%, me.com 2%, live.com 1%
        case
            when synth.u16(r.profile, 2) < 0.45 then 'gmail.com'
            when synth.u16(r.profile, 2) < 0.57 then 'yahoo.com'
            when synth.u16(r.profile, 2) < 0.67 then 'outlook.com'
            when synth.u16(r.profile, 2) < 0.77 then 'icloud.com'
            when synth.u16(r.profile, 2) < 0.85 then 'hotmail.com'
            when synth.u16(r.profile, 2) < 0.88 then 'petforce.app'
            when synth.u16(r.profile, 2) < 0.91 then 'aol.com'
            when synth.u16(r.profile, 2) < 0.94 then 'proton.me'
            when synth.u16(r.profile, 2) < 0.97 then 'comcast.net'
            when synth.u16(r.profile, 2) < 0.99 then 'me.com'
            else 'live.com'
        end as domain,
        -- the user's phone model / OS version and browser, kept across sessions
        '(iPhone; iOS ' || (array['17.7.2', '18.6.2', '18.7.1', '26.0.1', '26.1', '26.1', '26.2', '26.2'])[
            1 + floor(8 * synth.u16(r.devices, 0))::integer]
            || '; Scale/' || case when synth.u16(r.devices, 1) < 0.7 then '3.00' else '2.00' end || ')' as ios_tail,
        '(Android ' || (array['13', '14', '14', '15', '15', '15', '16', '16'])[1 + floor(8 * synth.u16(r.devices, 2))::integer]
            || '; ' || (array[
                'Pixel 8', 'Pixel 9', 'Pixel 9 Pro', 'Pixel 7a', 'SM-S921U', 'SM-S928U', 'SM-S918B', 'SM-A546E',
                'SM-A156U', 'SM-G991U', 'moto g play - 2024', 'motorola edge 2024', 'OnePlus CPH2581',
                '23117RA68G', 'SM-A256E', 'Pixel 8a'
            ])[1 + floor(16 * synth.u16(r.devices, 3))::integer] || ')' as android_tail,
        (array[
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36',
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36',
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36',
            'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36',
            'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15',
            'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15',
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0',
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:144.0) Gecko/20100101 Firefox/144.0',
            'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36',
            'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1'
        ])[1 + floor(10 * synth.u16(r.misc, 0))::integer] as web_ua
    offset 0
) as a
-- activity segment (the eligible segments depend on how long ago the user signed up) and
-- sign-in methods (conditional on the device: Sign in with Apple lives on Apple devices)
cross join lateral (
    select
        case
            when a.c < p.t - 60 * 86400 then case
                -- 1/3 of users older than 60 days churned (=> ~25% of all users), 15% at risk
                when synth.u16(r.activity, 0) < 0.333 then 'churned'
                when synth.u16(r.activity, 0) < 0.483 then 'at_risk'
                else 'active'
            end
            when a.c < p.t - 30 * 86400 then
                case when synth.u16(r.activity, 0) < 0.20 then 'at_risk' else 'active' end
            else 'new'
        end as seg,
        case a.device
            when 'ios' then case
                when synth.u16(r.auth, 1) < 0.38 then '{email}'
                when synth.u16(r.auth, 1) < 0.50 then '{google}'
                when synth.u16(r.auth, 1) < 0.68 then '{apple}'
                when synth.u16(r.auth, 1) < 0.82 then '{email,google}'
                when synth.u16(r.auth, 1) < 0.86 then '{magic_link}'
                else '{email,apple}'
            end
            when 'android' then case
                when synth.u16(r.auth, 1) < 0.45 then '{email}'
                when synth.u16(r.auth, 1) < 0.69 then '{google}'
                when synth.u16(r.auth, 1) < 0.95 then '{email,google}'
                else '{magic_link}'
            end
            else case
                when synth.u16(r.auth, 1) < 0.45 then '{email}'
                when synth.u16(r.auth, 1) < 0.65 then '{google}'
                when synth.u16(r.auth, 1) < 0.69 then '{apple}'
                when synth.u16(r.auth, 1) < 0.91 then '{email,google}'
                when synth.u16(r.auth, 1) < 0.96 then '{magic_link}'
                else '{email,apple}'
            end
        end::text[] as methods
    offset 0
) as b
-- the user's session rate (sessions per day): base 0.058, log-normal spread between users
-- (sigma 0.8), scaled by segment (churned users used the app less, new users explore)
cross join lateral (
    select
        0.058 * exp(0.8 * synth.normal(synth.u32(r.rate, 0), synth.u32(r.rate, 1)))
            * case b.seg when 'churned' then 0.6 when 'at_risk' then 0.8 when 'active' then 1.2 else 1.5 end
            as rate
    offset 0
) as rt
-- last activity l (the target time of the user's last session); preferred method (with two
-- methods, the provider one 60% of the time)
cross join lateral (
    select
        case b.seg
            -- churned users mostly leave early: u^2 skews towards just after sign-up
            when 'churned' then a.c + floor((p.t - 60 * 86400 - a.c) * synth.u32(r.time, 1) ^ 2)::bigint
            when 'at_risk' then greatest(a.c, p.t - 60 * 86400)
                + floor((p.t - 30 * 86400 - greatest(a.c, p.t - 60 * 86400)) * synth.u32(r.time, 1))::bigint
            -- active: the time since the last session is exponential with the user's own rate, as
            -- in a Poisson process (so daily actives stay level up to T), truncated to 30 days
            when 'active' then p.t - floor(86400 / rt.rate
                * -ln(1.0 - synth.u32(r.time, 1) * (1.0 - exp(-30 * rt.rate))))::bigint
            -- new: 30% never came back after signing up; the rest like active users, within
            -- the days since sign-up
            else case when synth.u16(r.activity, 1) < 0.30 then a.c
                else p.t - floor(86400 / rt.rate
                    * -ln(1.0 - synth.u32(r.time, 1) * (1.0 - exp(-(p.t - a.c) / 86400.0 * rt.rate))))::bigint end
        end as l,
        case when cardinality(b.methods) = 1 or synth.u16(r.auth, 2) >= 0.60
            then b.methods[1] else b.methods[2] end as preferred,
        'email' = any(b.methods) as has_email
    offset 0
) as c
-- soft delete (12% of churned users, 1-31 days after their last activity, so before T - 29 days),
-- session count, 2FA, verified email
cross join lateral (
    select
        case when b.seg = 'churned' and synth.u16(r.activity, 2) < 0.12 then
            c.l + 86400 + floor(30 * 86400 * synth.u16(r.activity, 3))::bigint
        end as del,
        -- 1 + days between sign-up and last activity x the rate, stochastically rounded (so that
        -- short spans still get their share of second sessions), at most 400
        least(400, 1 + floor((c.l - a.c) / 86400.0 * rt.rate + synth.u16(r.misc, 1)))::integer as cnt,
        synth.u16(r.auth, 3) < case when c.has_email then 0.15 else 0.05 end as two_fa,
        synth.u16(r.flags, 0) < case when b.methods = '{email}' then 0.69 else 0.985 end as verified
    offset 0
) as d
-- consecutive failed logins since the last success (only where a password or 2FA can fail, ~4%
-- of users: 1 most often, up to 5); account locks (password users, not deleted): 'current' =
-- locked until after T (only recently active users), 'expired' = a lock that ran out before a
-- later successful login
cross join lateral (
    select
        case when d.del is null and (c.has_email or d.two_fa) then case
            when synth.u16(r.flags, 2) < 0.030 then 1
            when synth.u16(r.flags, 2) < 0.045 then 2
            when synth.u16(r.flags, 2) < 0.053 then 3
            when synth.u16(r.flags, 2) < 0.057 then 4
            when synth.u16(r.flags, 2) < 0.060 then 5
            else 0
        end else 0 end as failed,
        case
            when d.del is not null or not c.has_email then 'none'
            when synth.u16(r.flags, 3) < 0.014 then case when b.seg in ('active', 'new') then 'current' else 'expired' end
            when synth.u16(r.flags, 3) < 0.017 then 'expired'
            else 'none'
        end as lock
    offset 0
) as e;

analyze synth_user;

-- ---------------------------------------------------------------------------------------------
-- Lookups for the bulk tables
-- ---------------------------------------------------------------------------------------------

-- The 256 combinations of the eight app features (bit i = feature i).
create temp table synth_feature_set on commit drop as
select
    m.mask,
    array_remove(array[
        case when m.mask & 1 <> 0 then 'pet_profile' end,
        case when m.mask & 2 <> 0 then 'health_log' end,
        case when m.mask & 4 <> 0 then 'vaccine_tracker' end,
        case when m.mask & 8 <> 0 then 'care_reminders' end,
        case when m.mask & 16 <> 0 then 'weight_tracker' end,
        case when m.mask & 32 <> 0 then 'vet_finder' end,
        case when m.mask & 64 <> 0 then 'photo_journal' end,
        case when m.mask & 128 <> 0 then 'medication_schedule' end
    ], null) as features
from generate_series(0, 255) as m(mask);

-- The mobile app's user-agent prefix ('PetForce/4.10.1 ') of each week (epoch second / 604800).
create temp table synth_release on commit drop as
select w.week, 'PetForce/' || synth.app_version(w.week * 604800) || ' ' as prefix
from synth_params as p
cross join generate_series(p.t / 604800 - 60 - 53 * (p.years - 1), p.t / 604800 + 1) as w(week);

-- ---------------------------------------------------------------------------------------------
-- Sessions: cnt per user, k = 1..cnt
-- ---------------------------------------------------------------------------------------------
--
--   start      k = 1 is the sign-up session (2-120 s after created_at); k = cnt (the last)
--              starts at l; the others are stratified over [c, l) (stratum k-1 of cnt-2,
--              jittered inside), so sessions spread evenly over the user's active life.
--              Sessions k >= 2 then move to a time of day from a daily curve (UTC: US evening
--              23-04h 35%, US morning / EU afternoon 11-15h 25%, 15-23h 25%, anywhere 15%)
--              unless that leaves [c, T]. Every start is before l + 1 day <= deleted_at
--              (soft-deleted users).
--   duration   log-normal, median 10 min (sigma 1.2), 5 s to 3 days.
--   end        start + duration, cut at deleted_at; still open (NULL) when it would end after T.
--   device     the primary device 85%; otherwise web for phone users and a phone for web users.
--   auth       the preferred method 80%, otherwise any of the user's methods.
--   ip         the user's home address 65%, otherwise another public address (mobile, travel).
--   api calls  exponential with a mean of 2 + 1.5 per minute of session, capped at 200.
--   features   each feature on with its own probability (pet_profile 55% ... vet_finder 6%),
--              none when the session made no API calls.
-- Draws: the session's hash b = hash(k, user hash); five 64-bit field hashes of b, sliced.
insert into public.sessions (
    id, user_id, started_at, last_activity_at, ended_at, ip_address, user_agent, device_type,
    auth_method, api_calls_count, features_used, created_at, updated_at
)
select
    x.id,
    x.user_id,
    to_timestamp(x.s),
    to_timestamp(x.last_act),
    to_timestamp(x.e),
    x.ip_address,
    case x.device when 'web' then x.web_ua when 'ios' then r.prefix || x.ios_tail else r.prefix || x.android_tail end,
    x.device,
    x.auth_method,
    x.api_calls,
    fs.features,
    to_timestamp(x.s),
    to_timestamp(coalesce(x.e, x.last_act))
from (
    select
        synth.uuid(synth.hash(h.b, 'session_id'), synth.hash(h.b, 'session_id_2')) as id,
        u.id as user_id,
        t.s,
        en.e,
        la.last_act,
        case when synth.u16(h.misc, 2) < 0.65 then u.home_ip else synth.public_ipv4(h.net) end as ip_address,
        t0.device,
        u.web_ua,
        u.ios_tail,
        u.android_tail,
        case when cardinality(u.methods) = 1 or synth.u16(h.misc, 3) < 0.80 then u.preferred
            -- the top 20% of the same draw, rescaled, picks any method
            else u.methods[1 + floor(cardinality(u.methods) * (synth.u16(h.misc, 3) - 0.80) / 0.20)::integer]
        end as auth_method,
        la.api_calls,
        -- features used: each on with its own probability (one byte of h.features each); the
        -- bit mask picks the array from synth_feature_set; no API calls, no features
        case when la.api_calls = 0 then 0 else
            (synth.byte(h.features, 0) < 141)::integer           -- pet_profile          55%
            + (synth.byte(h.features, 1) < 77)::integer * 2      -- health_log           30%
            + (synth.byte(h.features, 2) < 38)::integer * 4      -- vaccine_tracker      15%
            + (synth.byte(h.features, 3) < 90)::integer * 8      -- care_reminders       35%
            + (synth.byte(h.features, 4) < 31)::integer * 16     -- weight_tracker       12%
            + (synth.byte(h.features, 5) < 15)::integer * 32     -- vet_finder            6%
            + (synth.byte(h.features, 6) < 64)::integer * 64     -- photo_journal        25%
            + (synth.byte(h.features, 7) < 26)::integer * 128    -- medication_schedule  10%
        end as feature_mask
    from synth_params as p
    cross join synth_user as u
    cross join lateral generate_series(1, u.cnt) as g(k)
    -- Each step below is its own lateral subquery with `offset 0`, so that it is computed once
    -- per row: without the fence the planner inlines a step into every expression using it.
    -- the session's five 64-bit hashes
    cross join lateral (
        select
            x.b,
            synth.hash(x.b, 'session_time') as time,
            synth.hash(x.b, 'session_duration') as duration,
            synth.hash(x.b, 'session_misc') as misc,
            synth.hash(x.b, 'session_net') as net,
            synth.hash(x.b, 'session_features') as features
        from (select hashint8extended(g.k, u.hbase) as b) as x
        offset 0
    ) as h
    -- raw start, time of day, duration d (seconds), device
    cross join lateral (
        select
            case
                when g.k = 1 then u.c + 2 + floor(118 * synth.u32(h.time, 0))::bigint
                -- the last session: at l (so the segment holds)
                when g.k = u.cnt then u.l
                -- k = 2 .. cnt-1: stratum k-1 of cnt-2 over [c, l), jittered inside
                else u.c + floor((u.l - u.c) * (g.k - 2 + synth.u32(h.time, 0)) / (u.cnt - 2))::bigint
            end as raw,
            case
                when synth.u16(h.time, 2) < 0.35 then (82800 + floor(18000 * synth.u16(h.time, 3))::bigint) % 86400
                when synth.u16(h.time, 2) < 0.60 then 39600 + floor(14400 * synth.u16(h.time, 3))::bigint
                when synth.u16(h.time, 2) < 0.85 then 54000 + floor(28800 * synth.u16(h.time, 3))::bigint
                else floor(86400 * synth.u16(h.time, 3))::bigint
            end as tod,
            greatest(5, least(259200,
                floor(600 * exp(1.2 * synth.normal(synth.u32(h.duration, 0), synth.u32(h.duration, 1))))
            ))::bigint as d,
            case
                when synth.u16(h.misc, 1) < 0.85 then u.device
                when u.device = 'web' then case when synth.u16(h.misc, 1) < 0.93 then 'ios' else 'android' end
                when synth.u16(h.misc, 1) < 0.96 then 'web'
                when u.device = 'ios' then 'android'
                else 'ios'
            end as device
        offset 0
    ) as t0
    -- start s: the raw start moved to its time of day, unless that leaves [c, T]
    cross join lateral (
        select case
            when g.k > 1 and t0.raw - t0.raw % 86400 + t0.tod between u.c and p.t then t0.raw - t0.raw % 86400 + t0.tod
            else t0.raw
        end as s
        offset 0
    ) as t
    -- end e: cut at deleted_at; NULL (still open) when it would end after T
    cross join lateral (
        select case
            when u.del is not null and t.s + t0.d > u.del then u.del
            when t.s + t0.d > p.t then null
            else t.s + t0.d
        end as e
        offset 0
    ) as en
    -- last activity (up to 2 minutes before the end; for open sessions between start and T) and
    -- API calls
    cross join lateral (
        select
            x.last_act,
            least(200, floor(-ln(1.0 - synth.u16(h.net, 2)) * (2.0 + 1.5 * (coalesce(en.e, x.last_act) - t.s) / 60.0)))::integer
                as api_calls
        from (
            select case
                when en.e is null then t.s + floor((p.t - t.s) * (0.5 + 0.5 * synth.u16(h.misc, 0)))::bigint
                else en.e - floor(least(en.e - t.s, 120) * synth.u16(h.misc, 0))::bigint
            end as last_act
        ) as x
        offset 0
    ) as la
    -- (a fence: the lookups below join on finished values)
    offset 0
) as x
join synth_feature_set as fs on fs.mask = x.feature_mask
join synth_release as r on r.week = x.s / 604800;

-- ---------------------------------------------------------------------------------------------
-- Auth events of each session
-- ---------------------------------------------------------------------------------------------
--
-- Per session, in time order (event i = 1..n of the session):
--   login_failure   before 7% of password logins, 1-3 attempts (bad_password; mfa_failed for 30%
--                   of a 2FA user's), and before 3% of provider logins of 2FA users (mfa_failed);
--                   never before sign-up. ~1% name an unknown email: user_id NULL.
--   password_reset  before 30% of password logins that had failures, and 0.2% of the others.
--   login_success   at the session start (= started_at).
--   token_refresh   every ~55 minutes while the session lasts (at most 48).
--   logout          at ended_at, when the session has ended.
-- Draws: the session's key sk = uuid_hash_extended(session id, seed); event i's hashes come from
-- (i, sk). (uuid_hash_extended hashes the uuid's bytes: the same on every little-endian machine.)
insert into public.auth_events (
    id, user_id, event_type, auth_method, failure_reason, ip_address, user_agent, occurred_at, created_at
)
select
    synth.uuid(hashint8extended(i.i + 100, ss.sk), hashint8extended(i.i + 200, ss.sk)),
    case when i.i <= ss.nfail and synth.u16(ev.h, 0) < 0.01 then null else s.user_id end,
    case
        when i.i <= ss.nfail then 'login_failure'
        when i.i <= ss.o then 'password_reset'
        when i.i = ss.o + 1 then 'login_success'
        when i.i <= ss.o + 1 + ss.nref then 'token_refresh'
        else 'logout'
    end,
    case when i.i > ss.nfail and i.i <= ss.o then 'email' else s.auth_method end,
    case when i.i <= ss.nfail then
        case when u.two_fa and (s.auth_method <> 'email' or synth.u16(ev.h, 1) < 0.30)
            then 'mfa_failed' else 'bad_password' end
    end,
    s.ip_address,
    s.user_agent,
    to_timestamp(ev.at),
    to_timestamp(ev.at)
from synth_params as p
cross join public.sessions as s
join synth_user as u on u.id = s.user_id
-- the session's key, times and hashes
cross join lateral (
    select
        x.sk,
        extract(epoch from s.started_at)::bigint as s,
        extract(epoch from coalesce(s.ended_at, s.last_activity_at))::bigint as e,
        synth.hash(x.sk, 'session_events') as h,
        synth.hash(x.sk, 'session_events_2') as h2
    from (select uuid_hash_extended(s.id, p.seed) as sk) as x
    offset 0
) as s0
-- what happens around the login; n = the session's number of events
cross join lateral (
    select
        x.*,
        x.nfail + x.reset::integer as o,
        x.nfail + x.reset::integer + 1 + x.nref + (s.ended_at is not null)::integer as n
    from (
        select
            s0.sk,
            s0.s,
            s0.e,
            -- failures: none right after sign-up (they would predate the account)
            case
                when s0.s - 900 < u.c then 0
                when s.auth_method = 'email' and synth.u16(s0.h, 0) < 0.07
                    or s.auth_method <> 'email' and u.two_fa and synth.u16(s0.h, 0) < 0.03
                    then 1 + (synth.u16(s0.h, 1) < 0.35)::integer + (synth.u16(s0.h, 1) < 0.10)::integer
                else 0
            end as nfail,
            s.auth_method = 'email' and s0.s - 900 >= u.c
                and synth.u16(s0.h, 2) < case
                    when synth.u16(s0.h, 0) < 0.07 then 0.30   -- the sessions with failures (same draw)
                    else 0.002
                end as reset,
            120 + floor(480 * synth.u32(s0.h2, 0))::bigint as reset_gap,
            20 + floor(40 * synth.u16(s0.h, 3))::bigint as fail_gap,
            greatest(0, least(48, (s0.e - s0.s - 300) / 3300))::integer as nref
    ) as x
    offset 0
) as ss
cross join lateral generate_series(1, ss.n) as i(i)
-- event i: its hash and time
cross join lateral (
    select
        x.h,
        case
            -- failures fail_gap apart, ending fail_gap before the reset or the login
            when i.i <= ss.nfail then ss.s - case when ss.o > ss.nfail then ss.reset_gap else 0 end
                - (ss.nfail - i.i + 1) * ss.fail_gap
            when i.i <= ss.o then ss.s - ss.reset_gap
            when i.i = ss.o + 1 then ss.s
            -- refreshes every 55 minutes, jittered by up to 5 minutes
            when i.i <= ss.o + 1 + ss.nref then ss.s + (i.i - ss.o - 1) * 3300 + floor(300 * synth.u16(x.h, 2))::bigint
            else ss.e
        end as at
    from (select hashint8extended(i.i, ss.sk) as h) as x
    offset 0
) as ev;

-- ---------------------------------------------------------------------------------------------
-- Last successful login of each user: the latest login_success event
-- ---------------------------------------------------------------------------------------------

-- The latest event and its address in one hash aggregate, without sorting ten million rows: each
-- login_success is packed into one bigint, (seconds since T - years x 40,000,000 s) * 2^32 + the
-- IPv4 address as an integer, so max() picks the latest login (the higher address on a tie) and both
-- halves unpack again. Every event is later than T - years x 366 days, so the time fits in 27 bits.
-- (Aggregated first, then joined to this run's users: a join on 1M groups, not on 10M events.)
create temp table synth_last_login on commit drop as
select
    x.user_id,
    to_timestamp(p.t - 40000000 * p.years + x.packed / 4294967296) as occurred_at,
    '0.0.0.0'::inet + x.packed % 4294967296 as ip_address
from synth_params as p
cross join (
    select
        e.user_id,
        max((extract(epoch from e.occurred_at)::bigint - (p.t - 40000000 * p.years)) * 4294967296
            + (e.ip_address - '0.0.0.0'::inet)) as packed
    from synth_params as p
    cross join public.auth_events as e
    -- (IPv4 only: rows of other users that --append keeps may have IPv6 addresses)
    where e.event_type = 'login_success' and family(e.ip_address) = 4
    group by e.user_id
) as x
join synth_user as u on u.id = x.user_id;

analyze synth_last_login;

-- ---------------------------------------------------------------------------------------------
-- Per-user tail: what happened after the last successful login, and account locks
-- ---------------------------------------------------------------------------------------------
--
--   failed > 0, no current lock  `failed` failed logins 30 s apart, somewhere between the last
--                                login and T: failed_login_attempts counts exactly them.
--   lock 'current'               5 failed logins ending at lock_at (5+ minutes after the last
--                                login, within the 6 hours before T), locked for 24 hours: until
--                                18-24 hours after T, so still locked at any time of the as-of day
--                                (UTC); then 0-2 attempts refused with account_locked. (No lock if
--                                the last login was in the last 10 minutes before T.)
--   lock 'expired'               the same burst between sign-up and the last login - 1 day; the
--                                lock ran out before the last (successful) login. Users whose
--                                history is too short for that get no lock.
create temp table synth_tail on commit drop as
select
    u.n,
    u.id,
    synth.hash(u.hbase, 'tail_events') as hbase,
    l.occurred_at as last_login_at,
    l.ip_address as last_login_ip,
    case when u.lock = 'current' then 0 else u.failed end as tail_failures,
    -- failed_login_attempts: the burst that locked the account, or the failures since the login
    case when u.lock <> 'current' then u.failed when x.lock_at is not null then 5 else 0 end as failed,
    x.burst_start,
    x.lock_at,
    x.lock_at + 86400 as locked_until,
    case when x.lock_at is null then 0 else floor(3 * synth.rand(p.seed, 'lock_attempts', u.n))::integer end as lock_attempts,
    -- the row's last change: the lock, or the last failed login that failed_login_attempts counts
    greatest(x.lock_at, case when u.lock <> 'current' and u.failed > 0 then least(p.t, x.burst_start + (u.failed - 1) * 30) end)
        as last_change
from synth_params as p
cross join synth_user as u
join synth_last_login as l on l.user_id = u.id
cross join lateral (
    select
        y.ll + 60 + floor(greatest(0, p.t - y.ll - 210) * synth.rand(p.seed, 'tail_failures', u.n))::bigint as burst_start,
        case u.lock
            -- in the 6 hours before T and at least 5 minutes after the last login (no lock if
            -- that login was in the last 10 minutes before T)
            when 'current' then case when y.ll <= p.t - 600 then greatest(
                y.ll + 300,
                p.t - 21600 + floor(21000 * synth.rand(p.seed, 'lock_at', u.n))::bigint) end
            when 'expired' then case when y.ll - u.c > 87000 then
                u.c + 300 + floor((y.ll - u.c - 87000) * synth.rand(p.seed, 'lock_at', u.n))::bigint end
        end as lock_at
    from (select extract(epoch from l.occurred_at)::bigint as ll) as y
    offset 0
) as x;

-- ---------------------------------------------------------------------------------------------
-- Users, complete: last login = the latest login_success event; updated_at = the row's latest
-- change (sign-up, last login, last counted failure, lock, soft delete), never after T
-- ---------------------------------------------------------------------------------------------

insert into public.users (
    id, email, email_verified, hashed_password, first_name, last_name, profile_photo_url,
    auth_methods, preferred_auth_method, two_factor_enabled, account_locked_until,
    failed_login_attempts, last_login_at, last_login_ip, created_at, updated_at, deleted_at,
    analytics_opt_out
)
select
    u.id, u.email, u.verified, u.hashed_password, u.first_name, u.last_name, u.profile_photo_url,
    u.methods, u.preferred, u.two_fa, to_timestamp(tl.locked_until),
    tl.failed, tl.last_login_at, tl.last_login_ip, to_timestamp(u.c),
    greatest(to_timestamp(u.c), tl.last_login_at, to_timestamp(tl.last_change), to_timestamp(u.del)),
    to_timestamp(u.del),
    u.opt_out
from synth_user as u
join synth_tail as tl on tl.id = u.id;

-- ---------------------------------------------------------------------------------------------
-- Auth events after the last login: failed attempts and lock bursts
-- ---------------------------------------------------------------------------------------------

insert into public.auth_events (
    id, user_id, event_type, auth_method, failure_reason, ip_address, user_agent, occurred_at, created_at
)
select
    synth.uuid(hashint8extended(ev.code, tl.hbase), hashint8extended(ev.code + 100, tl.hbase)),
    u.id,
    'login_failure',
    ev.auth_method,
    ev.failure_reason,
    u.home_ip,
    case u.device
        when 'web' then u.web_ua
        when 'ios' then 'PetForce/' || synth.app_version(ev.at) || ' ' || u.ios_tail
        else 'PetForce/' || synth.app_version(ev.at) || ' ' || u.android_tail
    end,
    to_timestamp(ev.at),
    to_timestamp(ev.at)
from synth_params as p
cross join synth_tail as tl
join synth_user as u on u.id = tl.id
cross join lateral (
    -- failed logins since the last success
    select
        j as code,
        case when u.has_email then 'email' else u.preferred end as auth_method,
        case when u.two_fa and (not u.has_email or synth.rand(p.seed, 'tail_mfa', u.n, j) < 0.30)
            then 'mfa_failed' else 'bad_password' end as failure_reason,
        least(p.t, tl.burst_start + (j - 1) * 30) as at
    from generate_series(1, tl.tail_failures) as j
    union all
    -- the five bad passwords that locked the account, 25 s apart, the last at lock_at
    select 10 + j, 'email', 'bad_password', tl.lock_at - (5 - j) * 25
    from generate_series(1, 5) as j
    where tl.lock_at is not null
    union all
    -- attempts refused while locked (before T and before the lock ran out)
    select
        20 + j, 'email', 'account_locked',
        tl.lock_at + 60
            + floor((least(p.t, tl.locked_until) - tl.lock_at - 60) * synth.rand(p.seed, 'lock_refused', u.n, j))::bigint
    from generate_series(1, tl.lock_attempts) as j
    where least(p.t, tl.locked_until) - tl.lock_at > 60
) as ev
where tl.tail_failures > 0 or tl.lock_at is not null;

-- ---------------------------------------------------------------------------------------------
-- Rebuild the dropped indexes and constraints (same names, same definitions, same comments)
-- ---------------------------------------------------------------------------------------------

do $$
declare
    ix record;
begin
    for ix in select * from synth_index order by index_name loop
        execute ix.definition;
        if ix.has_comment then
            execute ix.comment;
        end if;
    end loop;
end;
$$;

analyze public.users;
analyze public.sessions;
analyze public.auth_events;
