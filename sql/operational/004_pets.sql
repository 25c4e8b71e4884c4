-- Operational reference schema: pets and their care (profiles, weight history, health events, care
-- tasks). NOT a migration: production has these tables. Local setup and the tests load it before the
-- migrations so that the warehouse's pets domain has something to read. Idempotent.

create table if not exists public.pets (
    id uuid primary key default gen_random_uuid(),
    owner_user_id uuid not null references public.users (id) on delete cascade,
    name varchar(100) not null,
    species varchar(20) not null check (species in ('dog', 'cat', 'rabbit', 'bird', 'other')),
    breed varchar(100),
    birth_date date,
    sex varchar(10) check (sex in ('male', 'female', 'unknown')),
    is_neutered boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz
);

comment on table public.pets is 'PetForce pet profiles (operational, one row per pet). Reference copy for local work.';
comment on column public.pets.id is 'Pet id.';
comment on column public.pets.owner_user_id is 'The account the pet belongs to (public.users.id).';
comment on column public.pets.name is 'The pet''s name. Family data: never leaves the raw layer.';
comment on column public.pets.species is 'dog, cat, rabbit, bird or other.';
comment on column public.pets.breed is 'Breed as the owner entered it.';
comment on column public.pets.birth_date is 'Birth date (often estimated by the owner).';
comment on column public.pets.sex is 'male, female or unknown.';
comment on column public.pets.is_neutered is 'Whether the pet is spayed or neutered.';
comment on column public.pets.created_at is 'When the pet was added to the app.';
comment on column public.pets.updated_at is 'Last change to the row (kept by trigger); the warehouse extracts by it.';
comment on column public.pets.deleted_at is 'Soft-delete time; NULL while the profile exists.';

create index if not exists pets_updated_at_idx on public.pets (updated_at);
create index if not exists pets_owner_user_id_idx on public.pets (owner_user_id);

create or replace trigger pets_set_updated_at
    before update on public.pets
    for each row execute function public.set_updated_at();

create table if not exists public.pet_weights (
    id uuid primary key default gen_random_uuid(),
    pet_id uuid not null references public.pets (id) on delete cascade,
    weighed_on date not null,
    weight_kg numeric(6,2) not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on table public.pet_weights is 'PetForce weight history (operational, one row per weigh-in). Reference copy for local work.';
comment on column public.pet_weights.id is 'Weigh-in id.';
comment on column public.pet_weights.pet_id is 'The pet weighed.';
comment on column public.pet_weights.weighed_on is 'Day of the weigh-in.';
comment on column public.pet_weights.weight_kg is 'Weight in kilograms.';
comment on column public.pet_weights.created_at is 'When the row was written.';
comment on column public.pet_weights.updated_at is 'Last change to the row (kept by trigger); the warehouse extracts by it.';

create index if not exists pet_weights_updated_at_idx on public.pet_weights (updated_at);
create index if not exists pet_weights_pet_id_idx on public.pet_weights (pet_id, weighed_on);

create or replace trigger pet_weights_set_updated_at
    before update on public.pet_weights
    for each row execute function public.set_updated_at();

create table if not exists public.health_events (
    id uuid primary key default gen_random_uuid(),
    pet_id uuid not null references public.pets (id) on delete cascade,
    event_type varchar(20) not null check (event_type in ('vet_visit', 'vaccine', 'medication')),
    vaccine_name varchar(100),
    medication_name varchar(100),
    occurred_on date not null,
    next_due_on date,
    outcome text,
    notes text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on table public.health_events is
    'PetForce health records (operational, one row per vet visit, vaccine dose or medication dose). Reference copy for local work.';
comment on column public.health_events.id is 'Health event id.';
comment on column public.health_events.pet_id is 'The pet concerned.';
comment on column public.health_events.event_type is 'vet_visit, vaccine or medication.';
comment on column public.health_events.vaccine_name is 'For vaccines: which vaccine (DHPP, FVRCP, rabies, ...).';
comment on column public.health_events.medication_name is 'For medications: which medication (flea/tick, heartworm, ...).';
comment on column public.health_events.occurred_on is 'Day of the visit or dose.';
comment on column public.health_events.next_due_on is 'For vaccines and medications: when the next dose is due.';
comment on column public.health_events.outcome is 'Outcome of a visit (healthy, treatment_prescribed, ...) or dose (given).';
comment on column public.health_events.notes is 'Free text by the owner or vet. PII risk: never leaves the raw layer.';
comment on column public.health_events.created_at is 'When the row was written.';
comment on column public.health_events.updated_at is 'Last change to the row (kept by trigger); the warehouse extracts by it.';

create index if not exists health_events_updated_at_idx on public.health_events (updated_at);
create index if not exists health_events_pet_id_idx on public.health_events (pet_id, occurred_on);

create or replace trigger health_events_set_updated_at
    before update on public.health_events
    for each row execute function public.set_updated_at();

create table if not exists public.care_tasks (
    id uuid primary key default gen_random_uuid(),
    pet_id uuid not null references public.pets (id) on delete cascade,
    task_type varchar(20) not null check (task_type in ('vaccine_due', 'medication', 'grooming', 'vet_checkup', 'weigh_in')),
    due_on date not null,
    reminder_sent_at timestamptz,
    completed_at timestamptz,
    status varchar(20) not null default 'scheduled' check (status in ('scheduled', 'completed', 'skipped')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on table public.care_tasks is 'PetForce care schedule (operational, one row per scheduled care task). Reference copy for local work.';
comment on column public.care_tasks.id is 'Care task id.';
comment on column public.care_tasks.pet_id is 'The pet the task is for.';
comment on column public.care_tasks.task_type is 'vaccine_due, medication, grooming, vet_checkup or weigh_in.';
comment on column public.care_tasks.due_on is 'Day the task is due.';
comment on column public.care_tasks.reminder_sent_at is 'When the app sent the owner a reminder; NULL: none sent.';
comment on column public.care_tasks.completed_at is 'When the owner marked the task done; NULL while not done.';
comment on column public.care_tasks.status is 'scheduled, completed or skipped.';
comment on column public.care_tasks.created_at is 'When the task was scheduled.';
comment on column public.care_tasks.updated_at is 'Last change to the row (kept by trigger); the warehouse extracts by it.';

create index if not exists care_tasks_updated_at_idx on public.care_tasks (updated_at);
create index if not exists care_tasks_pet_id_idx on public.care_tasks (pet_id, due_on);

create or replace trigger care_tasks_set_updated_at
    before update on public.care_tasks
    for each row execute function public.set_updated_at();
