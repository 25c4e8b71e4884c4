-- Synthetic pets domain: public.pets, public.pet_weights, public.health_events, public.care_tasks
-- for the users the core generator just made (temp tables synth_params and synth_user of
-- sql/synth/generate.sql, same transaction). Run by `npm run synth` after generate.sql.
--
-- Same rules as the core generator: set-based only, deterministic (every draw is a hash of the
-- seed-derived user hash, the pet number and a field name: synth.hash / synth.u16 / synth.byte;
-- never random() or now()), nothing before the owner signed up, nothing after as_of 06:00 UTC
-- (event days end the day before as_of). session_replication_role = replica (set by generate.sql)
-- skips the updated_at triggers, so every updated_at is written here.
--
-- Patterns (approximate):
--   pets        ~1.3 per user (15% none, 50% one, 23% two, 12% three); dog 55%, cat 33%, rabbit 5%,
--               bird 4%, other 3%; 30% join the app young (born 7-9 weeks before), the rest adult
--               (1-13 years); 2% of profiles soft-deleted later.
--   vaccines    young dogs/cats: core series (DHPP / FVRCP) of 3 doses 21-28 days apart from ~8 weeks,
--               rabies at ~16 weeks, then annual boosters; adults: the first record's next_due_on is
--               30-360 days ahead, then annual; rabbits RHDV2. 15% of (pet, vaccine) lapse: a booster
--               is never given, so its due date passes (overdue). Doses given late 20-55% of the time
--               (less often after a reminder), 1-10 days late.
--   medication  flea/tick preventive (45% of dogs, 30% of cats), heartworm (25% of dogs), monthly;
--               8% of doses skipped, 15% stop after a few months (a gap).
--   vet visits  a first check 1-5 weeks after joining, then every 180 days.
--   weights     young pets every 21 days for the first 8 weigh-ins (growth curve), then every 28
--               days (40% of pets, "regular weighers") or 90 days; adults stable (+-1.5%); 6% of
--               regular weighers drop 15% at one of their last three weigh-ins (abnormal change).
--   care tasks  one per due dose and vet visit (due on the planned day): created when the previous
--               dose was recorded (visits: 21 days before), reminder 3 days before for 80%,
--               completed when the dose or visit happened, skipped for 60% of missed medication
--               doses, else left scheduled.

set local timezone = 'UTC';

-- ---------------------------------------------------------------------------------------------
-- Pets: one row per pet
-- ---------------------------------------------------------------------------------------------

create temp table synth_pet on commit drop as
select
    u.id as owner_id,
    u.c as owner_c,
    h.ph,
    k,
    synth.uuid(h.ph, synth.hash(h.ph, 'pet_id')) as id,
    s.species,
    s.young,
    s.pc,
    (to_timestamp(s.pc) at time zone 'UTC')::date as pc_date,
    case
        when s.young then (to_timestamp(s.pc) at time zone 'UTC')::date - (50 + synth.byte(h.ph, 2) % 14)
        else (to_timestamp(s.pc) at time zone 'UTC')::date - (365 + floor(synth.u16(h.traits, 3) * 365 * 12))::integer
    end as birth,
    case when synth.u16(h.life, 0) < 0.02 then s.pc + floor((p.t - s.pc) * synth.u16(h.life, 1))::bigint end as deleted,
    h.traits,
    h.life
from synth_params as p
cross join synth_user as u
cross join lateral (
    select case
        when synth.u16(synth.hash(u.hbase, 'pets'), 0) < 0.15 then 0
        when synth.u16(synth.hash(u.hbase, 'pets'), 0) < 0.65 then 1
        when synth.u16(synth.hash(u.hbase, 'pets'), 0) < 0.88 then 2
        else 3
    end as pet_count
    offset 0
) as c
cross join generate_series(1, c.pet_count) as k
cross join lateral (
    select x.ph, synth.hash(x.ph, 'pet_traits') as traits, synth.hash(x.ph, 'pet_life') as life
    from (select synth.hash(hashint8extended(k, u.hbase), 'pet') as ph) as x
    offset 0
) as h
cross join lateral (
    select
        case
            when synth.u16(h.traits, 0) < 0.55 then 'dog'
            when synth.u16(h.traits, 0) < 0.88 then 'cat'
            when synth.u16(h.traits, 0) < 0.93 then 'rabbit'
            when synth.u16(h.traits, 0) < 0.97 then 'bird'
            else 'other'
        end as species,
        synth.u16(h.traits, 1) < 0.30 as young,
        -- added to the app after the owner signed up: the first within ~10% of the time left, later ones spread out
        u.c + floor((p.t - 7200 - u.c) * least(0.95, 0.1 * synth.u16(h.life, 2) + (k - 1) * 0.3 * synth.u16(h.life, 3)))::bigint as pc
    offset 0
) as s;

insert into public.pets (id, owner_user_id, name, species, breed, birth_date, sex, is_neutered, created_at, updated_at, deleted_at)
select
    sp.id,
    sp.owner_id,
    (array[
        'Bella', 'Max', 'Luna', 'Charlie', 'Lucy', 'Cooper', 'Daisy', 'Milo', 'Bailey', 'Rocky',
        'Coco', 'Buddy', 'Nala', 'Oliver', 'Loki', 'Simba', 'Pepper', 'Ziggy', 'Mochi', 'Biscuit'
    ])[1 + synth.byte(sp.traits, 5) % 20],
    sp.species,
    case sp.species
        when 'dog' then (array['Labrador Retriever', 'Golden Retriever', 'German Shepherd', 'French Bulldog', 'Beagle',
                                'Poodle', 'Dachshund', 'Mixed'])[1 + synth.byte(sp.traits, 6) % 8]
        when 'cat' then (array['Domestic Shorthair', 'Maine Coon', 'Siamese', 'Ragdoll', 'Bengal', 'Mixed'])[1 + synth.byte(sp.traits, 6) % 6]
        when 'rabbit' then (array['Holland Lop', 'Netherland Dwarf', 'Mini Rex'])[1 + synth.byte(sp.traits, 6) % 3]
        when 'bird' then (array['Budgerigar', 'Cockatiel', 'Canary'])[1 + synth.byte(sp.traits, 6) % 3]
        else (array['Guinea Pig', 'Hamster', 'Ferret'])[1 + synth.byte(sp.traits, 6) % 3]
    end,
    sp.birth,
    case when synth.byte(sp.traits, 7) < 122 then 'male' when synth.byte(sp.traits, 7) < 250 then 'female' else 'unknown' end,
    not sp.young and synth.u16(sp.life, 3) < 0.70,
    to_timestamp(sp.pc),
    to_timestamp(coalesce(sp.deleted, sp.pc)),
    to_timestamp(sp.deleted)
from synth_pet as sp;

-- ---------------------------------------------------------------------------------------------
-- Planned doses and visits: one row per pet, schedule and planned occurrence
-- ---------------------------------------------------------------------------------------------
--
-- planned(i) = start + least(i - 1, series_n - 1) * gap + (i > series_n ? first_after + (i - series_n - 1) * period : 0)

create temp table synth_dose on commit drop as
with limits as (
    select (to_timestamp(p.t) at time zone 'UTC')::date - 1 as last_day, p.years from synth_params as p
),
specs as (
    select
        sp.id as pet_id, sp.ph, sp.owner_c, sp.pc, v.code, v.kind, v.name, v.start_on, v.series_n, v.gap, v.first_after, v.period, v.max_i,
        least(l.last_day, (to_timestamp(sp.deleted) at time zone 'UTC')::date) as last_day,
        synth.hash(hashint8extended(v.code, sp.ph), 'dose_spec') as sh,
        l.years
    from synth_pet as sp
    cross join limits as l
    cross join lateral (
        values
            (1, 'vaccine',
                case sp.species when 'dog' then 'DHPP' when 'cat' then 'FVRCP' when 'rabbit' then 'RHDV2' end,
                case when sp.young then greatest(sp.pc_date, sp.birth + 56 + synth.byte(sp.life, 4) % 8) else sp.pc_date + synth.byte(sp.life, 4) % 60 end,
                case when sp.young and sp.species in ('dog', 'cat') then 3 else 1 end,
                21 + synth.byte(sp.life, 5) % 8,
                case when sp.young then 365 else 30 + (synth.u16(sp.traits, 2) * 330)::integer end,
                365, 5),
            (2, 'vaccine',
                case when sp.species in ('dog', 'cat') then 'rabies' end,
                case when sp.young then sp.birth + 112 + synth.byte(sp.life, 6) % 14 else sp.pc_date + synth.byte(sp.life, 6) % 90 end,
                1, 0,
                case when sp.young then 365 else 30 + (synth.u16(sp.life, 0) * 330)::integer end,
                365, 3),
            (3, 'medication',
                case when (sp.species = 'dog' and synth.u16(sp.traits, 3) < 0.45) or (sp.species = 'cat' and synth.u16(sp.traits, 3) < 0.30)
                    then 'flea_tick_preventive' end,
                greatest(sp.pc_date, sp.birth + 70) + synth.byte(sp.life, 7) % 30,
                1, 0, 30, 30, 14),
            (4, 'medication',
                case when sp.species = 'dog' and synth.byte(sp.traits, 4) < 64 then 'heartworm_preventive' end,
                greatest(sp.pc_date, sp.birth + 70) + synth.byte(sp.traits, 4) % 30,
                1, 0, 30, 30, 14),
            (5, 'vet_visit', 'checkup', sp.pc_date + 7 + synth.byte(sp.life, 2) % 28, 1, 0, 180, 180, 3)
    ) as v (code, kind, name, start_on, series_n, gap, first_after, period, max_i)
    where v.name is not null
),
planned as (
    select
        s.*, i,
        s.start_on + least(i - 1, s.series_n - 1) * s.gap
            + case when i > s.series_n then s.first_after + (i - s.series_n - 1) * s.period else 0 end as planned_on,
        s.start_on + least(i, s.series_n - 1) * s.gap
            + case when i + 1 > s.series_n then s.first_after + (i - s.series_n) * s.period else 0 end as next_planned_on,
        synth.hash(hashint8extended(i, s.sh), 'dose') as dh,
        -- lapse: a (pet, vaccine) stops after its series (or its first record); some medications stop
        case
            when s.kind = 'vaccine' and synth.u16(s.sh, 0) < 0.15 then greatest(1, s.series_n - synth.byte(s.sh, 2) % 2)
            when s.kind = 'medication' and synth.u16(s.sh, 0) < 0.15 then 2 + synth.byte(s.sh, 2) % 8
            else 1000
        end as stop_i
    from specs as s
    -- max_i doses a year of history
    cross join generate_series(1, s.max_i * s.years) as i
)
select
    pl.pet_id, pl.owner_c, pl.pc, pl.code, pl.kind, pl.name, pl.i, pl.planned_on,
    case when pl.kind = 'vet_visit' then null else pl.next_planned_on end as next_due_on,
    pl.reminded,
    pl.planned_on + pl.late_days as occurred_on,
    pl.planned_on + pl.late_days <= pl.last_day
        and pl.i <= pl.stop_i
        and not (pl.kind = 'medication' and pl.i > 1 and synth.u16(pl.dh, 2) < 0.08) as given,
    pl.last_day,
    pl.dh
from (
    select
        p2.*,
        synth.u16(p2.dh, 0) < 0.80 as reminded,
        case
            when synth.u16(p2.dh, 1) < case when synth.u16(p2.dh, 0) < 0.80 then 0.80 else 0.45 end then 0
            else 1 + synth.byte(p2.dh, 6) % 10
        end as late_days
    from planned as p2
    where p2.planned_on <= p2.last_day + 60
) as pl;

-- Health events: the doses and visits that happened.
insert into public.health_events (
    id, pet_id, event_type, vaccine_name, medication_name, occurred_on, next_due_on, outcome, notes, created_at, updated_at
)
select
    synth.uuid(d.dh, synth.hash(d.dh, 'event_id')),
    d.pet_id,
    d.kind,
    case when d.kind = 'vaccine' then d.name end,
    case when d.kind = 'medication' then d.name end,
    d.occurred_on,
    d.next_due_on,
    case d.kind
        when 'vet_visit' then case
            when synth.u16(d.dh, 3) < 0.70 then 'healthy'
            when synth.u16(d.dh, 3) < 0.90 then 'treatment_prescribed'
            else 'follow_up_needed'
        end
        else 'given'
    end,
    case when synth.u16(d.dh, 3) < 0.30 then
        (select pt.name from public.pets as pt where pt.id = d.pet_id) || ' ' ||
        (array['was a little nervous at the clinic.', 'ate well afterwards.', 'had a mild reaction, resolved the same day.',
               'owner asked about diet.'])[1 + synth.byte(d.dh, 7) % 4]
    end,
    ev.created_at,
    ev.created_at
from synth_dose as d
cross join lateral (
    select greatest(to_timestamp(d.pc), (d.occurred_on + time '08:00') at time zone 'UTC'
        + make_interval(secs => synth.byte(d.dh, 5) * 120)) as created_at
) as ev
where d.given;

-- Care tasks: one per due dose whose previous dose was recorded (vaccine_due, medication) and one
-- per planned vet visit (vet_checkup).
insert into public.care_tasks (id, pet_id, task_type, due_on, reminder_sent_at, completed_at, status, created_at, updated_at)
select
    synth.uuid(t.dh, synth.hash(t.dh, 'task_id')),
    t.pet_id,
    t.task_type,
    t.planned_on,
    t.reminder_sent_at,
    t.completed_at,
    t.status,
    t.created_at,
    greatest(t.created_at, t.reminder_sent_at, t.completed_at)
from (
    select
        d.dh, d.pet_id, d.planned_on,
        case d.kind when 'vaccine' then 'vaccine_due' when 'medication' then 'medication' else 'vet_checkup' end as task_type,
        case when d.reminded and (d.planned_on - 3 + time '09:00') at time zone 'UTC' <= to_timestamp(p.t)
                  and (d.planned_on - 3 + time '09:00') at time zone 'UTC' > c.created_at
            then (d.planned_on - 3 + time '09:00') at time zone 'UTC' end as reminder_sent_at,
        case when d.given then (d.occurred_on + time '10:00') at time zone 'UTC' end as completed_at,
        case
            when d.given then 'completed'
            when d.kind = 'medication' and d.planned_on < d.last_day - 7 and synth.u16(d.dh, 3) < 0.60 then 'skipped'
            else 'scheduled'
        end as status,
        c.created_at
    from synth_dose as d
    cross join synth_params as p
    left join synth_dose as prev
        on prev.pet_id = d.pet_id and prev.code = d.code and prev.i = d.i - 1
    cross join lateral (
        select case
            when d.kind = 'vet_visit' then greatest(to_timestamp(d.pc), (d.planned_on - 21 + time '09:00') at time zone 'UTC')
            else greatest(to_timestamp(d.pc), (prev.occurred_on + time '08:00') at time zone 'UTC'
                + make_interval(secs => synth.byte(prev.dh, 5) * 120))
        end as created_at
    ) as c
    where (d.kind = 'vet_visit' or (d.i > 1 and prev.given))
      and c.created_at <= to_timestamp(p.t)
) as t;

-- ---------------------------------------------------------------------------------------------
-- Weights: growth curve for young pets, stable adults, a few abnormal drops
-- ---------------------------------------------------------------------------------------------

insert into public.pet_weights (id, pet_id, weighed_on, weight_kg, created_at, updated_at)
select
    synth.uuid(w.wh, synth.hash(w.wh, 'weight_id')),
    w.pet_id,
    w.weighed_on,
    greatest(0.01, round((
        w.adult_kg
        * case when w.young then 1 - 0.85 * exp(-(w.weighed_on - w.birth) / 110.0) else 1 end
        * (1 + 0.015 * synth.normal(synth.u16(w.wh, 0), synth.u16(w.wh, 1)))
        * case when w.abnormal_from is not null and w.j >= w.abnormal_from then 0.85 else 1 end
    )::numeric, 2)),
    greatest(to_timestamp(w.pc), (w.weighed_on + time '18:00') at time zone 'UTC'),
    greatest(to_timestamp(w.pc), (w.weighed_on + time '18:00') at time zone 'UTC')
from (
    select
        sp.id as pet_id, sp.pc, sp.young, sp.birth, j,
        synth.hash(hashint8extended(j, sp.ph), 'weight') as wh,
        case sp.species
            when 'dog' then 5 + 35 * synth.u16(sp.traits, 2)
            when 'cat' then 3.5 + 2.5 * synth.u16(sp.traits, 2)
            when 'rabbit' then 1.5 + 1.5 * synth.u16(sp.traits, 2)
            when 'bird' then 0.08 + 0.4 * synth.u16(sp.traits, 2)
            else 0.2 + 1.5 * synth.u16(sp.traits, 2)
        end as adult_kg,
        case when not sp.young and synth.u16(sp.life, 1) < 0.40 and synth.byte(sp.life, 0) < 15 then
            -- one of the last three weigh-ins, so that some are still recent
            greatest(1, (least((to_timestamp(p.t) at time zone 'UTC')::date - 1, (to_timestamp(sp.deleted) at time zone 'UTC')::date)
                - sp.pc_date - 3) / 28 - synth.byte(sp.life, 1) % 3)
        end
            as abnormal_from,
        sp.pc_date
            + case
                when sp.young then least(j, 8) * 21 + greatest(j - 8, 0) * case when synth.u16(sp.life, 1) < 0.40 then 28 else 90 end
                else j * case when synth.u16(sp.life, 1) < 0.40 then 28 else 90 end
            end
            + synth.byte(hashint8extended(j, sp.ph), 0) % 4 as weighed_on,
        least((to_timestamp(p.t) at time zone 'UTC')::date - 1, (to_timestamp(sp.deleted) at time zone 'UTC')::date) as last_day
    from synth_pet as sp
    cross join synth_params as p
    -- 17 weigh-ins at most a year of history
    cross join generate_series(0, 16 * p.years) as j
) as w
where w.weighed_on <= w.last_day;

analyze public.pets;
analyze public.pet_weights;
analyze public.health_events;
analyze public.care_tasks;
