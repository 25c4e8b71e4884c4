-- Product usage domain (the seed's "Domain: Product Usage"): feature adoption and funnels.
--
-- One new source, public.product_events (insert-only: feature uses and funnel steps), through the
-- machinery every source uses: a raw table made by warehouse.prepare_raw_table, registry rows in
-- warehouse.sources / source_columns, a staging model (SCD1 merge, like the core ones), two marts
-- refreshed for what the new batches touched, quality tests as rows, retention policies, row-level
-- security and erasure registration, and two KPI views with the invoker's rights.

-- Raw
create table raw.raw_supabase_product_events (
    extracted_at timestamptz not null,
    extracted_date date not null,
    source_system varchar(50) not null default 'supabase',
    batch_id bigint not null,
    changed_at timestamptz,
    is_tombstone boolean not null default false,
    row_hash text not null,
    id uuid not null,
    user_id uuid,
    session_id uuid,
    event_name varchar(50),
    feature_name varchar(50),
    funnel_name varchar(50),
    funnel_step varchar(50),
    step_number smallint,
    duration_seconds integer,
    properties jsonb,
    occurred_at timestamptz,
    created_at timestamptz,
    _extracted_at timestamptz not null default now()
) partition by range (extracted_date);

select warehouse.prepare_raw_table('raw_supabase_product_events');

comment on table raw.raw_supabase_product_events is
    'Raw product events: one row per extracted product event (public.product_events: feature uses and funnel steps), '
    'append-only, partitioned by extraction month.';
comment on column raw.raw_supabase_product_events.id is 'Event id.';
comment on column raw.raw_supabase_product_events.user_id is 'The account that produced the event.';
comment on column raw.raw_supabase_product_events.session_id is 'The app session the event happened in; NULL when outside one.';
comment on column raw.raw_supabase_product_events.event_name is 'feature_used or funnel_step.';
comment on column raw.raw_supabase_product_events.feature_name is 'For feature_used: the app feature used.';
comment on column raw.raw_supabase_product_events.funnel_name is 'For funnel_step: the funnel (onboarding, premium_upgrade).';
comment on column raw.raw_supabase_product_events.funnel_step is 'For funnel_step: the step reached.';
comment on column raw.raw_supabase_product_events.step_number is 'For funnel_step: the step''s position in its funnel, from 1.';
comment on column raw.raw_supabase_product_events.duration_seconds is 'For feature_used: seconds spent in the feature.';
comment on column raw.raw_supabase_product_events.properties is
    'Event properties as extracted. Staging keeps them only when they hold no PII (warehouse.jsonb_has_pii).';
comment on column raw.raw_supabase_product_events.occurred_at is 'When the event happened.';
comment on column raw.raw_supabase_product_events.created_at is 'When the source row was written (the change-tracking column).';

-- Source registry

insert into warehouse.sources (source_name, source_schema, source_table, primary_key_column, change_column, raw_table, user_key_expression)
values
    ('supabase_product_events', 'public', 'product_events', 'id', 'created_at', 'raw_supabase_product_events', 's.user_id');

insert into warehouse.source_columns (source_name, column_name, source_type, raw_column, extract_expression)
values
    ('supabase_product_events', 'id', 'uuid', 'id', null),
    ('supabase_product_events', 'user_id', 'uuid', 'user_id', null),
    ('supabase_product_events', 'session_id', 'uuid', 'session_id', null),
    ('supabase_product_events', 'event_name', 'character varying(50)', 'event_name', null),
    ('supabase_product_events', 'feature_name', 'character varying(50)', 'feature_name', null),
    ('supabase_product_events', 'funnel_name', 'character varying(50)', 'funnel_name', null),
    ('supabase_product_events', 'funnel_step', 'character varying(50)', 'funnel_step', null),
    ('supabase_product_events', 'step_number', 'smallint', 'step_number', null),
    ('supabase_product_events', 'duration_seconds', 'integer', 'duration_seconds', null),
    ('supabase_product_events', 'properties', 'jsonb', 'properties', null),
    ('supabase_product_events', 'occurred_at', 'timestamp with time zone', 'occurred_at', null),
    ('supabase_product_events', 'created_at', 'timestamp with time zone', 'created_at', null);

select warehouse.prepare_source('supabase_product_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('raw', 'raw_supabase_product_events', 'user_id = $1');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('raw', 'raw_supabase_product_events', 'raw', 24, 'drop_partitions', 'extracted_date',
        'Raw keeps 2 years of extracted product events; older monthly partitions are archived, then dropped.');
