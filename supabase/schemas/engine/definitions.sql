-- Business rules as data: lifecycle stages (the seed's lifecycle_stage_definitions.csv), pet life
-- stages, and the numeric rules of the marts (engagement weights, windows, thresholds) in
-- warehouse.metric_definitions; with the small functions that apply them.

-- Definitions
create table warehouse.lifecycle_stage_definitions (
    lifecycle_stage varchar(50) primary key,
    priority integer not null unique,
    min_days_since_signup integer,
    max_days_since_signup integer,
    min_days_since_last_login integer,
    max_days_since_last_login integer,
    description text not null,
    check (min_days_since_signup is null or max_days_since_signup is null or min_days_since_signup <= max_days_since_signup),
    check (min_days_since_last_login is null or max_days_since_last_login is null or min_days_since_last_login <= max_days_since_last_login)
);

comment on table warehouse.lifecycle_stage_definitions is
    'Lifecycle stage rules (the seed''s lifecycle_stage_definitions.csv); one row per stage. A user is in the first stage, '
    'by priority, whose non-NULL bounds all hold. A user who never logged in counts from sign-up.';
comment on column warehouse.lifecycle_stage_definitions.lifecycle_stage is 'Stage name: new, active, at_risk, churned.';
comment on column warehouse.lifecycle_stage_definitions.priority is 'Lower is checked first.';
comment on column warehouse.lifecycle_stage_definitions.min_days_since_signup is 'Lower bound (inclusive) on days since sign-up; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.max_days_since_signup is 'Upper bound (inclusive) on days since sign-up; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.min_days_since_last_login is 'Lower bound (inclusive) on days since the last login; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.max_days_since_last_login is 'Upper bound (inclusive) on days since the last login; NULL: none.';
comment on column warehouse.lifecycle_stage_definitions.description is 'The rule in words.';

insert into warehouse.lifecycle_stage_definitions
    (lifecycle_stage, priority, min_days_since_signup, max_days_since_signup, min_days_since_last_login, max_days_since_last_login, description)
values
    ('new', 1, null, 13, null, null, 'Signed up less than 14 days ago.'),
    ('active', 2, null, null, null, 29, 'Logged in within the last 30 days.'),
    ('at_risk', 3, null, null, 30, 59, 'Last login 30 to 59 days ago.'),
    ('churned', 4, null, null, 60, null, 'No login for 60 days or more.');

create table warehouse.metric_definitions (
    metric_name text primary key,
    value numeric not null,
    description text not null
);

comment on table warehouse.metric_definitions is 'Numeric business rules of the marts (weights, windows); one row per rule.';
comment on column warehouse.metric_definitions.metric_name is 'Rule name.';
comment on column warehouse.metric_definitions.value is 'Its value.';
comment on column warehouse.metric_definitions.description is 'What it means.';

insert into warehouse.metric_definitions (metric_name, value, description)
values
    ('engagement_weight_login', 1, 'Engagement score points per login (seed: logins * 1).'),
    ('engagement_weight_session', 2, 'Engagement score points per session (seed: sessions * 2).'),
    ('engagement_weight_api_call', 0.1, 'Engagement score points per API call.'),
    ('engagement_weight_feature', 0.5, 'Engagement score points per distinct feature used.'),
    ('active_window_days', 30, 'A user is active on a day when they logged in on it or in the days before it, within this many days.');

create function warehouse.metric(p_metric_name text)
returns numeric
language plpgsql
stable
set search_path = ''
as $$
declare
    v_value numeric;
begin
    select value into v_value from warehouse.metric_definitions where metric_name = p_metric_name;
    if v_value is null then
        raise exception 'metric definition "%" is missing from warehouse.metric_definitions', p_metric_name;
    end if;
    return v_value;
end;
$$;

comment on function warehouse.metric(text) is 'The value of a rule in warehouse.metric_definitions; raises when it is missing.';

-- The rules are applied by SQL functions without a SET clause, every name in them qualified (pg_catalog
-- for built-ins): PostgreSQL inlines such a function into the query that calls it, so a model applying a
-- rule to a million rows pays no function call (nor search_path save and restore) per row.

create function warehouse.as_of_date()
returns date
language sql
stable
parallel safe
as $$
    select coalesce(nullif(pg_catalog.current_setting('warehouse.as_of_date', true), '')::pg_catalog.date, current_date)
$$;

comment on function warehouse.as_of_date() is
    'The day the marts are computed as of: today (current_date), unless the session sets warehouse.as_of_date '
    '(YYYY-MM-DD), as tests do to run the pipeline on a later day. Ages, lifecycle and pet life stages, statuses and '
    'what needs attention are as of this day.';

create function warehouse.lifecycle_stage_rule(p_days_since_signup integer, p_days_since_last_login integer)
returns table (lifecycle_stage varchar(50), days_until_change integer)
language sql
stable
parallel safe
as $$
    select
        (select d.lifecycle_stage
         from warehouse.lifecycle_stage_definitions as d
         where (d.min_days_since_signup is null or p_days_since_signup operator(pg_catalog.>=) d.min_days_since_signup)
           and (d.max_days_since_signup is null or p_days_since_signup operator(pg_catalog.<=) d.max_days_since_signup)
           and (d.min_days_since_last_login is null
                or coalesce(p_days_since_last_login, p_days_since_signup) operator(pg_catalog.>=) d.min_days_since_last_login)
           and (d.max_days_since_last_login is null
                or coalesce(p_days_since_last_login, p_days_since_signup) operator(pg_catalog.<=) d.max_days_since_last_login)
         order by d.priority
         limit 1),
        (select pg_catalog.min(b.days)
         from warehouse.lifecycle_stage_definitions as d
         cross join lateral (
             values
                 (d.min_days_since_signup operator(pg_catalog.-) p_days_since_signup),
                 (d.max_days_since_signup operator(pg_catalog.+) 1 operator(pg_catalog.-) p_days_since_signup),
                 (d.min_days_since_last_login operator(pg_catalog.-) coalesce(p_days_since_last_login, p_days_since_signup)),
                 (d.max_days_since_last_login operator(pg_catalog.+) 1
                     operator(pg_catalog.-) coalesce(p_days_since_last_login, p_days_since_signup))
         ) as b (days)
         where b.days operator(pg_catalog.>) 0)
$$;

comment on function warehouse.lifecycle_stage_rule(integer, integer) is
    'The lifecycle stage for days since sign-up and since the last login (NULL: never logged in, counted from sign-up) '
    'by warehouse.lifecycle_stage_definitions: the first stage, by priority, whose non-NULL bounds all hold; and '
    'days_until_change, the fewest days after which one of those bounds turns (the stage can change with the date '
    'alone only then; NULL: never). One row. Inlined into the calling query (no SET clause, every name qualified), so a '
    'model joins it per row without a function call: marts_core_dim_users stores today + days_until_change as the '
    'day to recompute the user.';

create function warehouse.lifecycle_stage(p_days_since_signup integer, p_days_since_last_login integer)
returns varchar(50)
language sql
stable
as $$
    select r.lifecycle_stage from warehouse.lifecycle_stage_rule(p_days_since_signup, p_days_since_last_login) as r
$$;

comment on function warehouse.lifecycle_stage(integer, integer) is
    'The lifecycle stage for days since sign-up and since the last login (NULL: never logged in), by the definitions table '
    '(warehouse.lifecycle_stage_rule, for one pair of day counts).';

-- Definitions: life stages and care rules are data
create table warehouse.pet_life_stage_definitions (
    species varchar(20) not null,
    life_stage varchar(20) not null,
    min_age_months integer not null check (min_age_months >= 0),
    max_age_months integer,
    is_growing boolean not null default false,
    description text not null,
    primary key (species, life_stage),
    check (max_age_months is null or max_age_months >= min_age_months)
);

comment on table warehouse.pet_life_stage_definitions is
    'Pet life stage rules; one row per species and stage. A pet is in the stage whose age bounds (whole months, '
    'inclusive) hold its age; growing stages are exempt from the abnormal weight change rule.';
comment on column warehouse.pet_life_stage_definitions.species is 'dog, cat, rabbit, bird or other.';
comment on column warehouse.pet_life_stage_definitions.life_stage is 'Stage name: puppy, kitten, juvenile, adult, senior.';
comment on column warehouse.pet_life_stage_definitions.min_age_months is 'Lower bound (inclusive) on age in whole months.';
comment on column warehouse.pet_life_stage_definitions.max_age_months is 'Upper bound (inclusive) on age in whole months; NULL: none.';
comment on column warehouse.pet_life_stage_definitions.is_growing is 'The pet is still growing: fast weight gain is expected.';
comment on column warehouse.pet_life_stage_definitions.description is 'The rule in words.';

insert into warehouse.pet_life_stage_definitions (species, life_stage, min_age_months, max_age_months, is_growing, description)
values
    ('dog', 'puppy', 0, 11, true, 'Dogs under 1 year.'),
    ('dog', 'adult', 12, 83, false, 'Dogs from 1 to 6 years.'),
    ('dog', 'senior', 84, null, false, 'Dogs of 7 years and more.'),
    ('cat', 'kitten', 0, 11, true, 'Cats under 1 year.'),
    ('cat', 'adult', 12, 131, false, 'Cats from 1 to 10 years.'),
    ('cat', 'senior', 132, null, false, 'Cats of 11 years and more.'),
    ('rabbit', 'juvenile', 0, 5, true, 'Rabbits under 6 months.'),
    ('rabbit', 'adult', 6, 71, false, 'Rabbits from 6 months to 5 years.'),
    ('rabbit', 'senior', 72, null, false, 'Rabbits of 6 years and more.'),
    ('bird', 'juvenile', 0, 11, true, 'Birds under 1 year.'),
    ('bird', 'adult', 12, 119, false, 'Birds from 1 to 9 years.'),
    ('bird', 'senior', 120, null, false, 'Birds of 10 years and more.'),
    ('other', 'juvenile', 0, 11, true, 'Other pets under 1 year.'),
    ('other', 'adult', 12, 95, false, 'Other pets from 1 to 7 years.'),
    ('other', 'senior', 96, null, false, 'Other pets of 8 years and more.');

insert into warehouse.metric_definitions (metric_name, value, description)
values
    ('pet_vaccine_due_window_days', 30, 'A vaccine booster due within this many days (or overdue) needs attention.'),
    ('pet_medication_gap_lookback_days', 60,
        'A missed medication dose needs attention while its due date is at most this many days ago; older, the medication counts as stopped.'),
    ('pet_weight_change_pct', 10, 'A weight change of more than this many percent from the previous weigh-in (within pet_weight_change_window_days) is abnormal; not for growing pets.'),
    ('pet_weight_change_window_days', 30,
        'Weigh-ins compared for an abnormal change are at most this many days apart, and the latest must be within this many days of today.');

create function warehouse.pet_age_months(p_birth_date date, p_as_of date)
returns integer
language sql
immutable
parallel safe
as $$
    select ((pg_catalog.extract('year', pg_catalog.age(p_as_of::pg_catalog.timestamp, p_birth_date::pg_catalog.timestamp))
                operator(pg_catalog.*) 12)
            operator(pg_catalog.+) pg_catalog.extract('month', pg_catalog.age(p_as_of::pg_catalog.timestamp, p_birth_date::pg_catalog.timestamp))
           )::pg_catalog.int4
$$;

comment on function warehouse.pet_age_months(date, date) is
    'Age in whole months on p_as_of of a pet born on p_birth_date; NULL when unknown. Inlined into the calling query.';

create function warehouse.pet_age_months_change_on(p_birth_date date, p_age_months integer)
returns date
language sql
immutable
parallel safe
as $$
    select case
        when p_birth_date is null or p_age_months is null then null
        -- before birth (a birth date in the future) age() counts down irregularly: due every day
        when p_age_months operator(pg_catalog.<) 0 then '-infinity'::pg_catalog.date
        -- the birth day of the month p_age_months + 1 months on, or the 1st of the next month when that month
        -- is too short for it (age() counts a month only when the day of month is reached)
        when pg_catalog.extract('day', p_birth_date operator(pg_catalog.+) pg_catalog.make_interval(months => p_age_months operator(pg_catalog.+) 1))
             operator(pg_catalog.=) pg_catalog.extract('day', p_birth_date)
        then (p_birth_date operator(pg_catalog.+) pg_catalog.make_interval(months => p_age_months operator(pg_catalog.+) 1))::pg_catalog.date
        else (p_birth_date operator(pg_catalog.+) pg_catalog.make_interval(months => p_age_months operator(pg_catalog.+) 1))::pg_catalog.date
             operator(pg_catalog.+) 1
    end
$$;

comment on function warehouse.pet_age_months_change_on(date, integer) is
    'The first day on which a pet born on p_birth_date is older than p_age_months whole months (warehouse.pet_age_months '
    'turns p_age_months + 1), given that it is p_age_months old now; -infinity for a negative age (born in the future: '
    'due at once), NULL without a birth date. Immutable, so an index can hold it.';

create function warehouse.pet_life_stage_of(p_species text, p_age_months integer)
returns table (life_stage varchar(20), is_growing boolean)
language sql
stable
parallel safe
as $$
    select coalesce(d.life_stage, 'unknown')::pg_catalog.varchar(20), coalesce(d.is_growing, false)
    from (values (1)) as one (x)
    left join lateral (
        select s.life_stage, s.is_growing
        from warehouse.pet_life_stage_definitions as s
        where s.species operator(pg_catalog.=) p_species
          and p_age_months operator(pg_catalog.>=) s.min_age_months
          and (s.max_age_months is null or p_age_months operator(pg_catalog.<=) s.max_age_months)
        order by s.min_age_months
        limit 1
    ) as d on true
$$;

comment on function warehouse.pet_life_stage_of(text, integer) is
    'The life stage of a pet of a species and age in months and whether it is still growing '
    '(warehouse.pet_life_stage_definitions: the stage whose bounds hold the age, the lowest first); unknown and not growing '
    'without an age or a match. One row. Inlined into the calling query (no SET clause, every name qualified), so the '
    'models join it per pet or weigh-in without a function call.';

create function warehouse.pet_life_stage(p_species text, p_age_months integer)
returns varchar(20)
language sql
stable
as $$
    select s.life_stage from warehouse.pet_life_stage_of(p_species, p_age_months) as s
$$;

comment on function warehouse.pet_life_stage(text, integer) is
    'The life stage of a pet of a species and age in months (warehouse.pet_life_stage_of); unknown without an age.';

create function warehouse.pet_is_growing(p_species text, p_age_months integer)
returns boolean
language sql
stable
as $$
    select s.is_growing from warehouse.pet_life_stage_of(p_species, p_age_months) as s
$$;

comment on function warehouse.pet_is_growing(text, integer) is
    'Whether a pet of a species and age in months is in a growing life stage (warehouse.pet_life_stage_of).';
