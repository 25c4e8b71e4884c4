create table staging.stg_supabase_product_events (
    event_id uuid primary key,
    user_id uuid,
    session_id uuid,
    event_name varchar(50),
    feature_name varchar(50),
    funnel_name varchar(50),
    funnel_step varchar(50),
    step_number smallint,
    duration_seconds integer,
    properties jsonb,
    properties_withheld boolean not null default false,
    event_date date,
    occurred_at timestamptz,
    created_at timestamptz,
    is_hard_deleted boolean not null default false,
    hard_deleted_at timestamptz,
    _changed_at timestamptz,
    _batch_id bigint not null,
    _dbt_loaded_at timestamptz not null default now()
);

create index idx_stg_product_events_user_occurred on staging.stg_supabase_product_events (user_id, occurred_at);
create index idx_stg_product_events_batch on staging.stg_supabase_product_events (_batch_id);
create index idx_stg_product_events_feature_day on staging.stg_supabase_product_events (user_id, feature_name, event_date)
    where event_name = 'feature_used';
create index idx_stg_product_events_funnel on staging.stg_supabase_product_events (user_id, funnel_name)
    where event_name = 'funnel_step';

comment on table staging.stg_supabase_product_events is
    'Staging product events: one row per product event (feature use or funnel step), current state (SCD1). '
    'Properties are kept only when they hold no PII (warehouse.jsonb_has_pii); otherwise NULL and properties_withheld.';
comment on column staging.stg_supabase_product_events.event_id is 'Event id.';
comment on column staging.stg_supabase_product_events.user_id is 'The account that produced the event.';
comment on column staging.stg_supabase_product_events.session_id is 'The app session of the event; NULL when outside one.';
comment on column staging.stg_supabase_product_events.event_name is 'feature_used or funnel_step.';
comment on column staging.stg_supabase_product_events.feature_name is 'For feature_used: the app feature used.';
comment on column staging.stg_supabase_product_events.funnel_name is 'For funnel_step: the funnel.';
comment on column staging.stg_supabase_product_events.funnel_step is 'For funnel_step: the step reached.';
comment on column staging.stg_supabase_product_events.step_number is 'For funnel_step: the step''s position in its funnel, from 1.';
comment on column staging.stg_supabase_product_events.duration_seconds is 'For feature_used: seconds spent in the feature.';
comment on column staging.stg_supabase_product_events.properties is
    'Event properties, only when they hold no PII (warehouse.jsonb_has_pii is false); NULL otherwise.';
comment on column staging.stg_supabase_product_events.properties_withheld is 'The source properties looked like PII and were dropped.';
comment on column staging.stg_supabase_product_events.event_date is 'UTC date of occurred_at.';
comment on column staging.stg_supabase_product_events.occurred_at is 'When the event happened.';
comment on column staging.stg_supabase_product_events.created_at is 'When the source row was written.';
comment on column staging.stg_supabase_product_events.is_hard_deleted is 'The event was deleted from the source.';
comment on column staging.stg_supabase_product_events.hard_deleted_at is 'When it was deleted from the source.';
comment on column staging.stg_supabase_product_events._changed_at is 'Change time of the version applied.';
comment on column staging.stg_supabase_product_events._batch_id is 'The extraction batch that last changed this row.';
comment on column staging.stg_supabase_product_events._dbt_loaded_at is 'When the pipeline last wrote the row.';

-- The transformation: every raw version as a staging row (key first). The merge_scd1 materializer
-- keeps the newest version per key of each batch range (engine/materializers.sql).
create view staging.stg_supabase_product_events__projection as
select
    r.id as event_id,
    r.user_id,
    r.session_id,
    r.event_name,
    r.feature_name,
    r.funnel_name,
    r.funnel_step,
    r.step_number,
    r.duration_seconds,
    case when pii.has_pii then null else r.properties end as properties,
    pii.has_pii as properties_withheld,
    (r.occurred_at at time zone 'UTC')::date as event_date,
    r.occurred_at,
    r.created_at,
    r.batch_id as _batch_id,
    r.changed_at as _changed_at,
    r.is_tombstone as _is_tombstone
from raw.raw_supabase_product_events as r
cross join lateral (select warehouse.jsonb_has_pii(r.properties) as has_pii offset 0) as pii;

comment on view staging.stg_supabase_product_events__projection is
    'Model stg_supabase_product_events: each raw version of raw.raw_supabase_product_events as a staging row; merge_scd1 keeps the newest per key.';
select warehouse.comment_projection('staging.stg_supabase_product_events__projection', 'staging.stg_supabase_product_events');

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, grain)
values ('stg_supabase_product_events', 'staging', 'staging', 'stg_supabase_product_events', 'merge_scd1', '{event_id}', 'staging.stg_supabase_product_events__projection',
    'one row per product event');

insert into warehouse.model_state (model_name) values ('stg_supabase_product_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('staging', 'stg_supabase_product_events', 'user_id = $1');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('stg_supabase_product_events__event_id__unique', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'unique', 'event_id', 'event_id', '{}', 'error', 'Each product event appears once in staging.'),
    ('stg_supabase_product_events__user_id__not_null', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'not_null', 'user_id', 'event_id', '{"where": "not is_hard_deleted"}', 'error', 'Every product event belongs to a user.'),
    ('stg_supabase_product_events__user_id__relationships', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'relationships', 'user_id', 'event_id', '{"to_schema": "staging", "to_table": "stg_supabase_users", "to_column": "user_id"}', 'error',
        'Every product event''s user exists in staging.'),
    ('stg_supabase_product_events__event_name__accepted_values', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'accepted_values', 'event_name', 'event_id', '{"values": ["feature_used", "funnel_step"]}', 'error',
        'Product events are feature uses or funnel steps.'),
    ('stg_supabase_product_events__feature_name__accepted_values', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'accepted_values', 'feature_name', 'event_id',
        '{"values": ["pet_profile", "health_log", "vaccine_tracker", "care_reminders", "weight_tracker", "vet_finder", "photo_journal", "medication_schedule"]}',
        'warn', 'Features are the app''s eight (warn: a new feature can ship before the warehouse knows it).'),
    ('stg_supabase_product_events__no_negative_duration', 'stg_supabase_product_events', 'staging', 'stg_supabase_product_events',
        'no_negative', 'duration_seconds', 'event_id', '{}', 'error', 'Time spent in a feature is never negative.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('staging', 'stg_supabase_product_events', 'staging', 36, 'delete_rows', 'occurred_at',
        'Staging keeps 3 years of product events, by event time.');
