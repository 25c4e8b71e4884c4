-- Model marts_pets_health_events. Grain: one row per health event (vet visit, vaccine or medication dose).
-- Materialized per pet (recompute_keys on pet_id): the pets a batch touched (marts.pets_touched) have
-- all their health events recomputed from staging, since is_overdue_at_time compares each dose with
-- the previous one of the same vaccine or medication; a hard-deleted event or pet has none.

create table marts.marts_pets_health_events (
    health_event_id uuid primary key,
    pet_id uuid not null,
    owner_user_id uuid not null,
    species varchar(20),
    event_type varchar(20) not null,
    event_date date,
    vaccine_name varchar(100),
    medication_name varchar(100),
    outcome text,
    next_due_on date,
    pet_birth_date date,
    pet_age_months integer,
    is_overdue_at_time boolean not null default false,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_pets_health_events_pet on marts.marts_pets_health_events (pet_id, event_date);
create index idx_marts_pets_health_events_date on marts.marts_pets_health_events (event_date);

comment on table marts.marts_pets_health_events is
    'Fact: pet health events. Grain: one row per health event (vet visit, vaccine dose, medication dose). '
    'Use: vaccination compliance, health trends. No free-text notes.';
comment on column marts.marts_pets_health_events.health_event_id is 'The health event.';
comment on column marts.marts_pets_health_events.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_health_events.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_health_events.species is 'The pet''s species.';
comment on column marts.marts_pets_health_events.event_type is 'vet_visit, vaccine or medication.';
comment on column marts.marts_pets_health_events.event_date is 'Day of the visit or dose.';
comment on column marts.marts_pets_health_events.vaccine_name is 'For vaccines: which vaccine.';
comment on column marts.marts_pets_health_events.medication_name is 'For medications: which medication.';
comment on column marts.marts_pets_health_events.outcome is 'Outcome of the visit or dose.';
comment on column marts.marts_pets_health_events.next_due_on is 'For vaccines and medications: when the next dose is due.';
comment on column marts.marts_pets_health_events.pet_birth_date is 'The pet''s birth date (denormalised: no dose before birth).';
comment on column marts.marts_pets_health_events.pet_age_months is 'The pet''s age in whole months on event_date.';
comment on column marts.marts_pets_health_events.is_overdue_at_time is
    'A vaccine or medication dose given after the previous dose of the same vaccine or medication said the next was due.';
comment on column marts.marts_pets_health_events.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_health_events._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation: the touched function is the shared marts.pets_touched (marts_pets__touched.sql).
create function marts.marts_pets_health_events__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_health_events
language sql
stable
begin atomic
    with events as (
        select e.health_event_id, e.pet_id, e.event_type, e.occurred_on, e.vaccine_name, e.medication_name, e.outcome,
               e.next_due_on
        from staging.stg_supabase_health_events as e
        join marts.pets_touched(p_from_batch, p_to_batch) as t on t.pet_id = e.pet_id
        where not e.is_hard_deleted
    ),
    final as (
        select
            e.health_event_id,
            e.pet_id,
            p.owner_user_id,
            p.species,
            e.event_type,
            e.occurred_on as event_date,
            e.vaccine_name,
            e.medication_name,
            e.outcome,
            e.next_due_on,
            p.birth_date as pet_birth_date,
            warehouse.pet_age_months(p.birth_date, e.occurred_on) as pet_age_months,
            case when e.event_type in ('vaccine', 'medication') then coalesce(e.occurred_on > lag(e.next_due_on) over (
                partition by e.pet_id, e.event_type, coalesce(e.vaccine_name, e.medication_name)
                order by e.occurred_on, e.health_event_id), false)
            else false end as is_overdue_at_time,
            coalesce(u.analytics_opt_out, false) as analytics_opt_out,
            now() as _dbt_loaded_at
        from events as e
        join staging.stg_supabase_pets as p on p.pet_id = e.pet_id and not p.is_hard_deleted
        left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
    )
    select * from final;
end;

comment on function marts.marts_pets_health_events__rows(bigint, bigint) is
    'Model marts_pets_health_events: the mart rows of every health event of the pets touched in batches '
    '(p_from_batch, p_to_batch] (marts.pets_touched), computed from staging; hard-deleted events and pets have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_health_events', 'marts', 'marts', 'marts_pets_health_events', 'recompute_keys', '{health_event_id}',
    'marts.marts_pets_health_events__rows', 'marts.pets_touched', '{pet_id}',
    'one row per health event (vet visit, vaccine or medication dose)');

insert into warehouse.model_state (model_name) values ('marts_pets_health_events');

select warehouse.enable_mart_rls('marts_pets_health_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('marts', 'marts_pets_health_events', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_pets_health_events', 'marts', 60, 'delete_rows', 'event_date', 'Marts keep 5 years of health events.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_health_events__health_event_id__unique', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'unique',
        'health_event_id', 'health_event_id', '{}', 'error', 'One row per health event.'),
    ('marts_pets_health_events__health_event_id__not_null', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'not_null',
        'health_event_id', null, '{}', 'error', 'Every row has a health event.'),
    ('marts_pets_health_events__pet_id__relationships', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'relationships', 'pet_id',
        'health_event_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every health event belongs to a pet of the dimension.'),
    ('marts_pets_health_events__event_type__accepted_values', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'accepted_values',
        'event_type', 'health_event_id', '{"values": ["vet_visit", "vaccine", "medication"]}', 'error',
        'Health event types are vet_visit, vaccine and medication.'),
    ('marts_pets_health_events__no_vaccine_before_birth', 'marts_pets_health_events', 'marts', 'marts_pets_health_events', 'expression', null,
        'health_event_id', '{"where": "event_type = ''vaccine'' and event_date < pet_birth_date"}', 'error',
        'No vaccine is dated before the pet was born.');
