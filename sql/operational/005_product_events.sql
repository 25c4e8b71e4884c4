-- Operational reference schema: product analytics events (insert-only log of feature uses and
-- funnel steps). NOT a migration: production has this table. Idempotent.

create table if not exists public.product_events (
    id uuid primary key default gen_random_uuid(),
    user_id uuid references public.users (id) on delete cascade,
    session_id uuid,
    event_name varchar(50) not null check (event_name in ('feature_used', 'funnel_step')),
    feature_name varchar(50),
    funnel_name varchar(50),
    funnel_step varchar(50),
    step_number smallint check (step_number is null or step_number >= 1),
    duration_seconds integer check (duration_seconds is null or duration_seconds >= 0),
    properties jsonb not null default '{}',
    occurred_at timestamptz not null,
    created_at timestamptz not null default now(),
    check (event_name <> 'feature_used' or feature_name is not null),
    check (event_name <> 'funnel_step' or (funnel_name is not null and funnel_step is not null and step_number is not null))
);

comment on table public.product_events is
    'PetForce product analytics events (operational, one row per event, insert-only): a feature used in a session, or a '
    'step reached in a funnel. Reference copy for local work; the warehouse only reads it.';
comment on column public.product_events.id is 'Event id.';
comment on column public.product_events.user_id is 'The account that produced the event.';
comment on column public.product_events.session_id is 'The app session the event happened in (public.sessions.id); NULL when outside one.';
comment on column public.product_events.event_name is 'feature_used (a use of one app feature) or funnel_step (a step reached in a funnel).';
comment on column public.product_events.feature_name is
    'For feature_used: the feature (pet_profile, health_log, vaccine_tracker, care_reminders, weight_tracker, vet_finder, '
    'photo_journal, medication_schedule).';
comment on column public.product_events.funnel_name is
    'For funnel_step: the funnel (onboarding: signup, add_pet, first_health_log, enable_reminders; premium_upgrade: '
    'view_pricing, start_checkout, purchase).';
comment on column public.product_events.funnel_step is 'For funnel_step: the step reached.';
comment on column public.product_events.step_number is 'For funnel_step: the step''s position in its funnel, from 1.';
comment on column public.product_events.duration_seconds is 'For feature_used: seconds spent in the feature.';
comment on column public.product_events.properties is 'Event properties (device, plan, pet species...). The app never puts PII here.';
comment on column public.product_events.occurred_at is 'When the event happened on the client.';
comment on column public.product_events.created_at is 'When the row was written; the warehouse extracts by it (insert-only table).';

create index if not exists product_events_created_at_idx on public.product_events (created_at);
create index if not exists product_events_user_id_idx on public.product_events (user_id, occurred_at);
