-- Model marts_pets_attention_needed. Grain: one row per pet per reason per subject needing attention today.
-- Materialized per pet (recompute_keys on pet_id). What needs attention moves with the date as well as
-- with the data: besides the pets the batches touched, the first run recomputes every pet, and a run on
-- a later day than the last one (warehouse.model_state.refreshed_at) recomputes the pets listed (days
-- overdue grow, rows expire) and every pet that can be listed today: a vaccine dose due within the
-- window or overdue, a medication dose due within the gap lookback, a weigh-in within the weight window.
--
-- The old refresh function recomputed, on a new day, the pets listed and those whose due dates or
-- weigh-ins had crossed a boundary since the last run. That is not enough here: the materializer calls
-- the touched function, deletes those pets' rows, and the rows function then calls the touched function
-- again, when the listed pets (read from this mart) are gone. The pets that can be listed today are
-- found from staging alone, so both calls find them; a pet listed before and not among them has no row
-- today, and its rows are deleted, as before.

create table marts.marts_pets_attention_needed (
    pet_id uuid not null,
    reason varchar(30) not null,
    subject varchar(100) not null,
    owner_user_id uuid not null,
    species varchar(20),
    due_on date,
    days_overdue integer not null default 0,
    weight_change_pct numeric(8,1),
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (pet_id, reason, subject)
);

create index idx_marts_pets_attention_reason on marts.marts_pets_attention_needed (reason);

comment on table marts.marts_pets_attention_needed is
    'Proactive care: what needs attention now. Grain: one row per pet per reason per subject (vaccine, medication or weight). '
    'Reasons: vaccine_due (latest dose says the next is due within pet_vaccine_due_window_days), vaccine_overdue (due date '
    'passed), medication_gap (a medication dose due in the last pet_medication_gap_lookback_days days was not given), '
    'abnormal_weight_change (latest weigh-in within pet_weight_change_window_days of today differs by more than '
    'pet_weight_change_pct from the previous one within that window; not for growing pets). Pets or owners deleted are left out.';
comment on column marts.marts_pets_attention_needed.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_attention_needed.reason is 'vaccine_due, vaccine_overdue, medication_gap or abnormal_weight_change.';
comment on column marts.marts_pets_attention_needed.subject is 'The vaccine or medication concerned, or weight.';
comment on column marts.marts_pets_attention_needed.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_attention_needed.species is 'The pet''s species.';
comment on column marts.marts_pets_attention_needed.due_on is 'When the dose was due, or the day of the abnormal weigh-in.';
comment on column marts.marts_pets_attention_needed.days_overdue is 'Days past due_on today (0 when not yet due, and for weight).';
comment on column marts.marts_pets_attention_needed.weight_change_pct is 'For abnormal_weight_change: the change in percent.';
comment on column marts.marts_pets_attention_needed.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_attention_needed._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_pets_attention_needed__touched(p_from_batch bigint, p_to_batch bigint)
returns table (pet_id uuid)
language sql
stable
begin atomic
    with previous_run as (
        select (
            select (s.refreshed_at at time zone 'UTC')::date
            from warehouse.model_state as s
            where s.model_name = 'marts_pets_attention_needed') as previous_date
    ),
    rules as (
        select
            warehouse.metric('pet_vaccine_due_window_days')::integer as due_window,
            warehouse.metric('pet_medication_gap_lookback_days')::integer as gap_lookback,
            warehouse.metric('pet_weight_change_window_days')::integer as weight_window
    )
    -- the pets the batches touched
    select t.pet_id
    from marts.pets_touched(p_from_batch, p_to_batch) as t
    union
    -- the first run (or a model never refreshed): every pet
    select p.pet_id
    from staging.stg_supabase_pets as p
    cross join previous_run as r
    where r.previous_date is null
    union
    -- the date moved since the last run: the pets listed ...
    select a.pet_id
    from marts.marts_pets_attention_needed as a
    cross join previous_run as r
    where r.previous_date < current_date
    union
    -- ... and every pet that can be listed today: a vaccine dose due within the window or overdue, a
    -- medication dose due within the gap lookback, a weigh-in within the weight window
    select e.pet_id
    from staging.stg_supabase_health_events as e
    cross join previous_run as r
    cross join rules as k
    where r.previous_date < current_date and e.pet_id is not null
      and ((e.event_type = 'vaccine' and e.next_due_on <= current_date + k.due_window)
        or (e.event_type = 'medication' and e.next_due_on < current_date and e.next_due_on >= current_date - k.gap_lookback))
    union
    select w.pet_id
    from staging.stg_supabase_pet_weights as w
    cross join previous_run as r
    cross join rules as k
    where r.previous_date < current_date and w.pet_id is not null and w.weighed_on >= current_date - k.weight_window;
end;

comment on function marts.marts_pets_attention_needed__touched(bigint, bigint) is
    'Model marts_pets_attention_needed: the pets (one row each) to recompute for batches (p_from_batch, p_to_batch]: '
    'those the batches touched (marts.pets_touched); on the first run every pet; and when the date moved since the last '
    'run (warehouse.model_state.refreshed_at) the pets listed and every pet whose doses or weigh-ins can qualify today.';

create function marts.marts_pets_attention_needed__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_attention_needed
language sql
stable
begin atomic
    -- Each step carries the pet's columns along rather than joining back to the pets: staging was
    -- written in this transaction and has no statistics yet, and a join of two CTEs estimated at one
    -- row each would be planned as a nested loop.
    with rules as (
        select
            warehouse.metric('pet_vaccine_due_window_days')::integer as due_window,
            warehouse.metric('pet_medication_gap_lookback_days')::integer as gap_lookback,
            warehouse.metric('pet_weight_change_pct') as weight_pct,
            warehouse.metric('pet_weight_change_window_days')::integer as weight_window
    ),
    pets as (
        select p.pet_id, p.owner_user_id, p.species, warehouse.pet_age_months(p.birth_date, current_date) as age_months,
               coalesce(u.analytics_opt_out, false) as analytics_opt_out
        from staging.stg_supabase_pets as p
        join marts.marts_pets_attention_needed__touched(p_from_batch, p_to_batch) as t on t.pet_id = p.pet_id
        left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
        where not p.is_hard_deleted and p.deleted_at is null
          and u.deleted_at is null and not coalesce(u.is_hard_deleted, false)
    ),
    latest_doses as (
        select distinct on (e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name))
            e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name) as subject, e.next_due_on,
            p.owner_user_id, p.species, p.analytics_opt_out
        from staging.stg_supabase_health_events as e
        join pets as p on p.pet_id = e.pet_id
        where not e.is_hard_deleted and e.event_type in ('vaccine', 'medication')
          and coalesce(e.vaccine_name, e.medication_name) is not null
        order by e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name), e.occurred_on desc,
                 e.next_due_on desc nulls last, e.health_event_id
    ),
    -- every weigh-in, numbered from the latest (recency 1), with the latest one's day and weight
    weights as (
        select w.pet_id, w.weighed_on, w.weight_kg,
               row_number() over latest_first as recency,
               first_value(w.weighed_on) over latest_first as latest_weighed_on,
               first_value(w.weight_kg) over latest_first as latest_weight_kg,
               p.owner_user_id, p.species, p.age_months, p.analytics_opt_out
        from staging.stg_supabase_pet_weights as w
        join pets as p on p.pet_id = w.pet_id
        where not w.is_hard_deleted
        window latest_first as (partition by w.pet_id order by w.weighed_on desc, w.weight_id)
    ),
    -- the latest weigh-in, when within the window of today, and the previous one within the window of it
    weight_changes as (
        select distinct on (w.pet_id)
            w.pet_id, w.latest_weighed_on, w.latest_weight_kg, w.weight_kg as previous_weight_kg,
            w.owner_user_id, w.species, w.age_months, w.analytics_opt_out
        from weights as w
        cross join rules as k
        where w.latest_weighed_on >= current_date - k.weight_window
          and w.weighed_on < w.latest_weighed_on and w.weighed_on >= w.latest_weighed_on - k.weight_window
        order by w.pet_id, w.weighed_on desc, w.recency
    ),
    reasons as (
        select d.pet_id, case when d.next_due_on < current_date then 'vaccine_overdue' else 'vaccine_due' end as reason,
               d.subject, d.owner_user_id, d.species, d.next_due_on as due_on,
               greatest(current_date - d.next_due_on, 0) as days_overdue, null::numeric as weight_change_pct,
               d.analytics_opt_out
        from latest_doses as d
        cross join rules as k
        where d.event_type = 'vaccine' and d.next_due_on <= current_date + k.due_window
        union all
        select d.pet_id, 'medication_gap', d.subject, d.owner_user_id, d.species, d.next_due_on,
               current_date - d.next_due_on, null, d.analytics_opt_out
        from latest_doses as d
        cross join rules as k
        where d.event_type = 'medication' and d.next_due_on < current_date and d.next_due_on >= current_date - k.gap_lookback
        union all
        select c.pet_id, 'abnormal_weight_change', 'weight', c.owner_user_id, c.species, c.latest_weighed_on, 0,
               round((c.latest_weight_kg - c.previous_weight_kg) / c.previous_weight_kg * 100, 1), c.analytics_opt_out
        from weight_changes as c
        cross join rules as k
        where c.previous_weight_kg > 0
          and abs(c.latest_weight_kg - c.previous_weight_kg) / c.previous_weight_kg * 100 > k.weight_pct
          and not warehouse.pet_is_growing(c.species, c.age_months)
    ),
    final as (
        select r.pet_id, r.reason, r.subject, r.owner_user_id, r.species, r.due_on, r.days_overdue, r.weight_change_pct,
               r.analytics_opt_out, now() as _dbt_loaded_at
        from reasons as r
    )
    select * from final;
end;

comment on function marts.marts_pets_attention_needed__rows(bigint, bigint) is
    'Model marts_pets_attention_needed: what needs attention today for the pets of marts_pets_attention_needed__touched '
    '(batches p_from_batch, p_to_batch], computed from staging: vaccines due or overdue, medication gaps and abnormal weight '
    'changes (rules in warehouse.metric_definitions and pet_life_stage_definitions); deleted pets and owners have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_attention_needed', 'marts', 'marts', 'marts_pets_attention_needed', 'recompute_keys', '{pet_id,reason,subject}',
    'marts.marts_pets_attention_needed__rows', 'marts.marts_pets_attention_needed__touched', '{pet_id}',
    'one row per pet per reason per subject needing attention today');

insert into warehouse.model_state (model_name) values ('marts_pets_attention_needed');

select warehouse.enable_mart_rls('marts_pets_attention_needed');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('marts', 'marts_pets_attention_needed', 'owner_user_id = $1', 100);

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_attention_needed__pk__unique', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed', 'unique', null, null,
        '{"columns": ["pet_id", "reason", "subject"]}', 'error', 'One row per pet per reason per subject.'),
    ('marts_pets_attention_needed__pet_id__not_null', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed', 'not_null', 'pet_id',
        null, '{}', 'error', 'Every row has a pet.'),
    ('marts_pets_attention_needed__reason__accepted_values', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed',
        'accepted_values', 'reason', 'pet_id', '{"values": ["vaccine_due", "vaccine_overdue", "medication_gap", "abnormal_weight_change"]}', 'error',
        'Attention reasons are the defined ones.'),
    ('marts_pets_attention_needed__pet_id__relationships', 'marts_pets_attention_needed', 'marts', 'marts_pets_attention_needed', 'relationships',
        'pet_id', 'pet_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every pet needing attention is a pet of the dimension.');
