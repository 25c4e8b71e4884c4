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

create function marts.refresh_marts_pets_attention_needed(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_due_window integer := warehouse.metric('pet_vaccine_due_window_days')::integer;
    v_gap_lookback integer := warehouse.metric('pet_medication_gap_lookback_days')::integer;
    v_weight_pct numeric := warehouse.metric('pet_weight_change_pct');
    v_weight_window integer := warehouse.metric('pet_weight_change_window_days')::integer;
    v_previous_date date;
    v_deleted bigint;
    v_inserted bigint;
    v_result warehouse.refresh_result;
begin
    select (s.refreshed_at at time zone 'UTC')::date into v_previous_date
    from warehouse.model_state as s where s.model_name = 'marts_pets_attention_needed';

    -- The pets touched by the batches; and when the date moved since the last run, the pets whose rows
    -- can have changed with it: those already listed (days_overdue grows, rows expire), those with a
    -- dose due date that entered the due window or passed, and those weighed within the window.
    create temporary table if not exists pets_attention_touched (pet_id uuid primary key) on commit drop;
    truncate pg_temp.pets_attention_touched;
    insert into pg_temp.pets_attention_touched
    select t.pet_id from warehouse.pets_touched(p_from_batch, p_to_batch) as t
    union
    select p.pet_id from staging.stg_supabase_pets as p where v_previous_date is null
    union
    select a.pet_id from marts.marts_pets_attention_needed as a where v_previous_date < current_date
    union
    select e.pet_id from staging.stg_supabase_health_events as e
    where v_previous_date < current_date and e.pet_id is not null
      and e.next_due_on between v_previous_date - 1 and current_date + v_due_window + 1
    union
    select w.pet_id from staging.stg_supabase_pet_weights as w
    where v_previous_date < current_date and w.pet_id is not null and w.weighed_on >= current_date - v_weight_window - 1;
    get diagnostics v_result.rows_in = row_count;
    analyze pg_temp.pets_attention_touched;

    delete from marts.marts_pets_attention_needed as m using pg_temp.pets_attention_touched as t where m.pet_id = t.pet_id;
    get diagnostics v_deleted = row_count;

    -- Intermediate sets in analysed temporary tables: the staging tables were just written in this
    -- transaction and have no statistics yet, so CTEs joined several times can get a bad plan.
    create temporary table if not exists pets_attention_pets (
        pet_id uuid primary key, owner_user_id uuid, species varchar(20), age_months integer, analytics_opt_out boolean
    ) on commit drop;
    truncate pg_temp.pets_attention_pets;
    insert into pg_temp.pets_attention_pets
    select p.pet_id, p.owner_user_id, p.species, warehouse.pet_age_months(p.birth_date, current_date),
           coalesce(u.analytics_opt_out, false)
    from staging.stg_supabase_pets as p
    join pg_temp.pets_attention_touched as t on t.pet_id = p.pet_id
    left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    where not p.is_hard_deleted and p.deleted_at is null
      and u.deleted_at is null and not coalesce(u.is_hard_deleted, false);
    analyze pg_temp.pets_attention_pets;

    create temporary table if not exists pets_attention_doses (
        pet_id uuid, event_type varchar(20), subject varchar(100), next_due_on date
    ) on commit drop;
    truncate pg_temp.pets_attention_doses;
    insert into pg_temp.pets_attention_doses
    select distinct on (e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name))
        e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name), e.next_due_on
    from staging.stg_supabase_health_events as e
    join pg_temp.pets_attention_pets as p on p.pet_id = e.pet_id
    where not e.is_hard_deleted and e.event_type in ('vaccine', 'medication')
      and coalesce(e.vaccine_name, e.medication_name) is not null
    order by e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name), e.occurred_on desc,
             e.next_due_on desc nulls last, e.health_event_id;
    analyze pg_temp.pets_attention_doses;

    create temporary table if not exists pets_attention_weights (
        pet_id uuid, weight_id uuid, weighed_on date, weight_kg numeric(6,2), recency bigint
    ) on commit drop;
    truncate pg_temp.pets_attention_weights;
    insert into pg_temp.pets_attention_weights
    select w.pet_id, w.weight_id, w.weighed_on, w.weight_kg,
           row_number() over (partition by w.pet_id order by w.weighed_on desc, w.weight_id)
    from staging.stg_supabase_pet_weights as w
    join pg_temp.pets_attention_pets as p on p.pet_id = w.pet_id
    where not w.is_hard_deleted;
    analyze pg_temp.pets_attention_weights;

    insert into marts.marts_pets_attention_needed (
        pet_id, reason, subject, owner_user_id, species, due_on, days_overdue, weight_change_pct, analytics_opt_out, _dbt_loaded_at
    )
    with pets as (
        select * from pg_temp.pets_attention_pets
    ),
    latest_doses as (
        select * from pg_temp.pets_attention_doses
    ),
    weights as (
        select * from pg_temp.pets_attention_weights
    ),
    latest_weight as (
        select w.* from weights as w where w.recency = 1 and w.weighed_on >= current_date - v_weight_window
    ),
    previous_weight as (
        select distinct on (w.pet_id) w.pet_id, w.weight_kg
        from weights as w
        join latest_weight as l on l.pet_id = w.pet_id
        where w.weighed_on < l.weighed_on and w.weighed_on >= l.weighed_on - v_weight_window
        order by w.pet_id, w.weighed_on desc, w.recency
    ),
    reasons as (
        select d.pet_id, case when d.next_due_on < current_date then 'vaccine_overdue' else 'vaccine_due' end as reason,
               d.subject, d.next_due_on as due_on, greatest(current_date - d.next_due_on, 0) as days_overdue,
               null::numeric as weight_change_pct
        from latest_doses as d
        where d.event_type = 'vaccine' and d.next_due_on <= current_date + v_due_window
        union all
        select d.pet_id, 'medication_gap', d.subject, d.next_due_on, current_date - d.next_due_on, null
        from latest_doses as d
        where d.event_type = 'medication' and d.next_due_on < current_date and d.next_due_on >= current_date - v_gap_lookback
        union all
        select l.pet_id, 'abnormal_weight_change', 'weight', l.weighed_on, 0,
               round((l.weight_kg - pw.weight_kg) / pw.weight_kg * 100, 1)
        from latest_weight as l
        join previous_weight as pw on pw.pet_id = l.pet_id
        join pets as p on p.pet_id = l.pet_id
        where pw.weight_kg > 0 and abs(l.weight_kg - pw.weight_kg) / pw.weight_kg * 100 > v_weight_pct
          and not warehouse.pet_is_growing(p.species, p.age_months)
    ),
    final as (
        select r.pet_id, r.reason, r.subject, p.owner_user_id, p.species, r.due_on, r.days_overdue, r.weight_change_pct,
               p.analytics_opt_out, now()
        from reasons as r
        join pets as p on p.pet_id = r.pet_id
    )
    select * from final;
    get diagnostics v_inserted = row_count;

    v_result.rows_out := v_deleted + v_inserted;
    return v_result;
end;
$$;

comment on function marts.refresh_marts_pets_attention_needed(bigint, bigint) is
    'Model marts_pets_attention_needed: recomputes what needs attention today for the pets touched in batches '
    '(p_from_batch, p_to_batch] and, when the date moved since the last run, for the pets whose due dates or weigh-ins '
    'can have crossed a boundary (rules in warehouse.metric_definitions and pet_life_stage_definitions).';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('marts_pets_attention_needed', 'marts', 'marts', 'marts_pets_attention_needed',
        '{staging.stg_supabase_pets,staging.stg_supabase_users,staging.stg_supabase_health_events,staging.stg_supabase_pet_weights,staging.stg_supabase_care_tasks}',
        'marts.refresh_marts_pets_attention_needed', 'one row per pet per reason per subject needing attention today');

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
