-- Synthetic product events (public.product_events): feature uses and funnel steps of the users the
-- core generator (generate.sql) just made, in the same transaction (`npm run synth` runs
-- sql/synth/domain_*.sql after it). Reads its temp tables synth_params and synth_user and the
-- sessions it wrote; the same rules hold: set-based, deterministic (hash draws from functions.sql,
-- never random() or now()), whole seconds, nothing later than T (as_of 06:00 UTC) or after a
-- soft-deleted user's deleted_at.
--
--   feature_used      one event per feature per session (public.sessions.features_used), at a time
--                     inside the session (start .. end or last activity), with a log-normal duration
--                     (median 45 s, sigma 1.0, 1 s at least, never longer than the session), in the
--                     session's id; properties: the session's device type.
--   onboarding        every user at sign-up: signup (at created_at, in the sign-up session) 100%,
--                     add_pet 70%, first_health_log 45%, enable_reminders 30% (each step only after
--                     the previous one, 30 s to days later), a step that would fall after T or the
--                     soft delete is not reached (nor any after it).
--   premium_upgrade   18% of users view pricing at some time of their active life (sign-up .. last
--                     activity); 45% of them start a checkout 30 s - 20 min later; 65% of those
--                     purchase 1 - 15 min later (monthly or annual plan).
-- Times strictly increase along each user's funnel. Properties never hold PII.

-- Bulk load: when the table is empty (no --append), its indexes are dropped and rebuilt from their
-- exact definitions at the end of this transaction (as generate.sql does for the core tables).
create temp table synth_product_index on commit drop as
select
    i.indexrelid::regclass::text as index_name,
    c.conname,
    case
        when c.oid is null then pg_get_indexdef(i.indexrelid)
        else format('alter table public.product_events add constraint %I %s', c.conname, pg_get_constraintdef(c.oid))
    end as definition,
    coalesce(obj_description(i.indexrelid, 'pg_class'), obj_description(c.oid, 'pg_constraint')) as comment_text
from pg_index as i
left join pg_constraint as c
    on c.conindid = i.indexrelid and c.conrelid = i.indrelid and c.contype in ('p', 'u', 'x')
where i.indrelid = 'public.product_events'::regclass
    and not exists (select from pg_constraint as f where f.contype = 'f' and f.conindid = i.indexrelid)
    and not exists (select from public.product_events);

do $$
declare
    ix record;
begin
    for ix in select * from synth_product_index order by index_name loop
        if ix.conname is null then
            execute format('drop index %s', ix.index_name);
        else
            execute format('alter table public.product_events drop constraint %I', ix.conname);
        end if;
    end loop;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Feature uses: one per feature per session
-- ---------------------------------------------------------------------------------------------

insert into public.product_events (
    id, user_id, session_id, event_name, feature_name, funnel_name, funnel_step, step_number,
    duration_seconds, properties, occurred_at, created_at
)
select
    synth.uuid(synth.hash(f.h, 'product_event_id'), synth.hash(f.h, 'product_event_id_2')),
    s.user_id,
    s.id,
    'feature_used',
    f.feature,
    null,
    null,
    null,
    d.dur,
    jsonb_build_object('device_type', s.device_type),
    to_timestamp(d.at),
    to_timestamp(d.at)
from synth_params as p
cross join public.sessions as s
join synth_user as u on u.id = s.user_id
-- the session's window and key
cross join lateral (
    select
        extract(epoch from s.started_at)::bigint as st,
        greatest(1, extract(epoch from coalesce(s.ended_at, s.last_activity_at) - s.started_at)::bigint) as len,
        uuid_hash_extended(s.id, p.seed) as sk
    offset 0
) as w
cross join lateral (
    select x.feature, synth.hash(hashint8extended(x.i, w.sk), 'product_feature') as h
    from unnest(s.features_used) with ordinality as x (feature, i)
    offset 0
) as f
-- duration (log-normal, median 45 s, at most the session) and time inside the session
cross join lateral (
    select
        y.dur,
        w.st + floor((w.len - y.dur) * synth.u16(f.h, 2))::bigint as at
    from (
        select greatest(1, least(w.len,
            floor(45 * exp(1.0 * synth.normal(synth.u16(f.h, 0), synth.u16(f.h, 1))))::bigint))::integer as dur
    ) as y
    offset 0
) as d
where cardinality(s.features_used) > 0;

-- ---------------------------------------------------------------------------------------------
-- Funnel steps
-- ---------------------------------------------------------------------------------------------

insert into public.product_events (
    id, user_id, session_id, event_name, feature_name, funnel_name, funnel_step, step_number,
    duration_seconds, properties, occurred_at, created_at
)
select
    synth.uuid(hashint8extended(st.code, o.h), hashint8extended(st.code + 500, o.h)),
    u.id,
    st.session_id,
    'funnel_step',
    null,
    st.funnel_name,
    st.step_name,
    st.step_number,
    null,
    st.properties,
    to_timestamp(st.at),
    to_timestamp(st.at)
from synth_params as p
cross join synth_user as u
-- the user's draws and the times of every step
cross join lateral (
    select
        x.h,
        x.limit_at,
        -- onboarding: cumulative times, gaps skewed short (u^2)
        u.c as o1,
        u.c + 30 + floor(1800 * synth.u16(x.g, 0) ^ 2)::bigint as o2,
        u.c + 30 + floor(1800 * synth.u16(x.g, 0) ^ 2)::bigint
            + 60 + floor(3 * 86400 * synth.u16(x.g, 1) ^ 2)::bigint as o3,
        u.c + 30 + floor(1800 * synth.u16(x.g, 0) ^ 2)::bigint
            + 60 + floor(3 * 86400 * synth.u16(x.g, 1) ^ 2)::bigint
            + 60 + floor(2 * 86400 * synth.u16(x.g, 2) ^ 2)::bigint as o4,
        synth.u16(x.h, 0) < 0.70 as r2,
        synth.u16(x.h, 0) < 0.70 and synth.u16(x.h, 1) < 0.45 / 0.70 as r3,
        synth.u16(x.h, 0) < 0.70 and synth.u16(x.h, 1) < 0.45 / 0.70 and synth.u16(x.h, 2) < 0.30 / 0.45 as r4,
        -- premium: when pricing was viewed, then the checkout and the purchase
        u.c + floor((greatest(u.l, u.c) - u.c) * synth.u32(x.pg, 0))::bigint as p1,
        u.c + floor((greatest(u.l, u.c) - u.c) * synth.u32(x.pg, 0))::bigint
            + 30 + floor(1170 * synth.u16(x.pg, 2))::bigint as p2,
        u.c + floor((greatest(u.l, u.c) - u.c) * synth.u32(x.pg, 0))::bigint
            + 30 + floor(1170 * synth.u16(x.pg, 2))::bigint
            + 60 + floor(840 * synth.u16(x.pg, 3))::bigint as p3,
        synth.u16(x.h, 3) < 0.18 as q1,
        synth.u16(x.h, 3) < 0.18 and synth.u16(x.ph, 0) < 0.45 as q2,
        synth.u16(x.h, 3) < 0.18 and synth.u16(x.ph, 0) < 0.45 and synth.u16(x.ph, 1) < 0.65 as q3,
        case when synth.u16(x.ph, 2) < 0.60 then 'monthly' else 'annual' end as plan,
        case when synth.u16(x.ph, 3) < 0.55 then 'dog' when synth.u16(x.ph, 3) < 0.90 then 'cat' else 'other' end as species,
        -- the sign-up session (k = 1 of generate.sql's sessions)
        synth.uuid(synth.hash(hashint8extended(1, u.hbase), 'session_id'), synth.hash(hashint8extended(1, u.hbase), 'session_id_2'))
            as signup_session
    from (
        select
            synth.hash(u.hbase, 'funnel') as h,
            synth.hash(u.hbase, 'funnel_onboarding_gaps') as g,
            synth.hash(u.hbase, 'funnel_premium_time') as pg,
            synth.hash(u.hbase, 'funnel_premium') as ph,
            least(p.t, coalesce(u.del, p.t)) as limit_at
    ) as x
    offset 0
) as o
cross join lateral (
    values
        (1, 'onboarding', 'signup', 1::smallint, o.o1, true, o.signup_session, '{}'::jsonb),
        (2, 'onboarding', 'add_pet', 2::smallint, o.o2, o.r2, null::uuid, jsonb_build_object('species', o.species)),
        (3, 'onboarding', 'first_health_log', 3::smallint, o.o3, o.r3, null::uuid, '{}'::jsonb),
        (4, 'onboarding', 'enable_reminders', 4::smallint, o.o4, o.r4, null::uuid, '{}'::jsonb),
        (11, 'premium_upgrade', 'view_pricing', 1::smallint, o.p1, o.q1, null::uuid, '{}'::jsonb),
        (12, 'premium_upgrade', 'start_checkout', 2::smallint, o.p2, o.q2, null::uuid, jsonb_build_object('plan', o.plan)),
        (13, 'premium_upgrade', 'purchase', 3::smallint, o.p3, o.q3, null::uuid, jsonb_build_object('plan', o.plan))
) as st (code, funnel_name, step_name, step_number, at, reached, session_id, properties)
where st.reached
    -- a step past T or the soft delete is not reached; neither is any step after it, since
    -- the times increase along the funnel
    and st.at <= o.limit_at;

-- ---------------------------------------------------------------------------------------------
-- Rebuild the dropped indexes and constraints
-- ---------------------------------------------------------------------------------------------

do $$
declare
    ix record;
begin
    for ix in select * from synth_product_index order by index_name loop
        execute ix.definition;
        if ix.comment_text is not null then
            if ix.conname is null then
                execute format('comment on index %s is %L', ix.index_name, ix.comment_text);
            else
                execute format('comment on constraint %I on public.product_events is %L', ix.conname, ix.comment_text);
            end if;
        end if;
    end loop;
end;
$$;

analyze public.product_events;
