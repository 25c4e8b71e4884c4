create table staging.stg_supabase_health_events (
    health_event_id uuid primary key,
    pet_id uuid,
    owner_user_id uuid,
    event_type varchar(20),
    vaccine_name varchar(100),
    medication_name varchar(100),
    occurred_on date,
    next_due_on date,
    outcome text,
    created_at timestamptz,
    updated_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_health_events_pet on staging.stg_supabase_health_events (pet_id, occurred_on);
create index idx_stg_health_events_owner on staging.stg_supabase_health_events (owner_user_id);
create index idx_stg_health_events_batch on staging.stg_supabase_health_events (_batch_id);
create index idx_stg_health_events_next_due on staging.stg_supabase_health_events (next_due_on);

comment on table staging.stg_supabase_health_events is
    'Staging health events: one row per vet visit, vaccine or medication dose, current state (SCD1). No notes.';
comment on column staging.stg_supabase_health_events.health_event_id is 'Health event id.';
comment on column staging.stg_supabase_health_events.pet_id is 'The pet concerned.';
comment on column staging.stg_supabase_health_events.owner_user_id is 'The pet''s owner (denormalised from raw pets), for opt-out and erasure.';
comment on column staging.stg_supabase_health_events.event_type is 'vet_visit, vaccine or medication.';
comment on column staging.stg_supabase_health_events.vaccine_name is 'For vaccines: which vaccine, trimmed.';
comment on column staging.stg_supabase_health_events.medication_name is 'For medications: which medication, trimmed.';
comment on column staging.stg_supabase_health_events.occurred_on is 'Day of the visit or dose.';
comment on column staging.stg_supabase_health_events.next_due_on is 'For vaccines and medications: when the next dose is due.';
comment on column staging.stg_supabase_health_events.outcome is 'Outcome of the visit or dose.';
comment on column staging.stg_supabase_health_events.created_at is 'When the source row was written.';
comment on column staging.stg_supabase_health_events.updated_at is 'Last change in the source.';
comment on column staging.stg_supabase_health_events.is_hard_deleted is 'The event was deleted from the source.';
comment on column staging.stg_supabase_health_events.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_health_events._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_health_events._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_health_events._dbt_loaded_at is 'When the pipeline last wrote the row.';

create function staging.refresh_stg_supabase_health_events(p_from_batch bigint, p_to_batch bigint)
returns warehouse.refresh_result
language plpgsql
set search_path = ''
as $$
declare
    v_result warehouse.refresh_result;
begin
    with new_versions as (
        select distinct on (r.id) r.*
        from raw.raw_supabase_health_events as r
        where r.batch_id > p_from_batch and r.batch_id <= p_to_batch
        order by r.id, r.changed_at desc nulls last, r.batch_id desc, r.is_tombstone desc
    ),
    owners as (
        select distinct on (p.id) p.id as pet_id, p.owner_user_id
        from raw.raw_supabase_pets as p
        where p.id in (select v.pet_id from new_versions as v) and not p.is_tombstone
        order by p.id, p.changed_at desc nulls last, p.batch_id desc
    ),
    merged as (
        insert into staging.stg_supabase_health_events as s (
            health_event_id, pet_id, owner_user_id, event_type, vaccine_name, medication_name, occurred_on, next_due_on,
            outcome, created_at, updated_at, _changed_at, _batch_id, _dbt_loaded_at
        )
        select
            v.id, v.pet_id, o.owner_user_id, v.event_type, nullif(btrim(v.vaccine_name), ''), nullif(btrim(v.medication_name), ''),
            v.occurred_on, v.next_due_on, v.outcome, v.created_at, v.updated_at, v.changed_at, v.batch_id, now()
        from new_versions as v
        left join owners as o on o.pet_id = v.pet_id
        where not v.is_tombstone
        on conflict (health_event_id) do update
        set pet_id = excluded.pet_id,
            owner_user_id = excluded.owner_user_id,
            event_type = excluded.event_type,
            vaccine_name = excluded.vaccine_name,
            medication_name = excluded.medication_name,
            occurred_on = excluded.occurred_on,
            next_due_on = excluded.next_due_on,
            outcome = excluded.outcome,
            created_at = excluded.created_at,
            updated_at = excluded.updated_at,
            is_hard_deleted = false,
            hard_deleted_at = null,
            _changed_at = excluded._changed_at,
            _batch_id = excluded._batch_id,
            _dbt_loaded_at = excluded._dbt_loaded_at
        where s._changed_at is null or excluded._changed_at >= s._changed_at
        returning 1
    ),
    tombstoned as (
        update staging.stg_supabase_health_events as s
        set is_hard_deleted = true, hard_deleted_at = v.changed_at, _changed_at = v.changed_at,
            _batch_id = v.batch_id, _dbt_loaded_at = now()
        from new_versions as v
        where v.is_tombstone and s.health_event_id = v.id and (s._changed_at is null or v.changed_at >= s._changed_at)
        returning 1
    )
    select (select count(*) from new_versions), (select count(*) from merged) + (select count(*) from tombstoned)
    into v_result.rows_in, v_result.rows_out;
    return v_result;
end;
$$;

comment on function staging.refresh_stg_supabase_health_events(bigint, bigint) is
    'Model stg_supabase_health_events: merges the newest raw version of each health event in batches (p_from_batch, p_to_batch], '
    'with the pet''s owner and without the free-text notes.';

insert into warehouse.models (model_name, layer, target_schema, target_table, reads, refresh_function, grain)
values
    ('stg_supabase_health_events', 'staging', 'staging', 'stg_supabase_health_events', '{raw.raw_supabase_health_events,raw.raw_supabase_pets}',
        'staging.refresh_stg_supabase_health_events', 'one row per health event (vet visit, vaccine or medication dose)');

insert into warehouse.model_state (model_name) values ('stg_supabase_health_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('staging', 'stg_supabase_health_events', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_health_events', 'staging', 36, 'delete_rows', 'occurred_on', 'Staging keeps 3 years of health events.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_health_events__health_event_id__unique', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events', 'unique',
        'health_event_id', 'health_event_id', '{}', 'error', 'Each health event appears once in staging.'),
    ('stg_supabase_health_events__health_event_id__not_null', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events', 'not_null',
        'health_event_id', null, '{}', 'error', 'Every health event has an id.'),
    ('stg_supabase_health_events__event_type__accepted_values', 'stg_supabase_health_events', 'staging', 'stg_supabase_health_events',
        'accepted_values', 'event_type', 'health_event_id', '{"values": ["vet_visit", "vaccine", "medication"]}', 'error',
        'Health event types are vet_visit, vaccine and medication.');
