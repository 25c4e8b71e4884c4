-- Full-refresh baseline of staging.stg_supabase_health_events (supabase/schemas/staging/stg_supabase_health_events.sql):
-- one row per health event from public.health_events, with the pet's owner and without the free-text
-- notes. Events of erased owners' pets are left out, as extraction leaves them out.
create table bench_full.stg_supabase_health_events as
with source as (
    select s.*, p.owner_user_id
    from public.health_events as s
    left join public.pets as p on p.id = s.pet_id
    where not exists (select from warehouse.erased_users)
        or not exists (
            select from warehouse.erased_users as e
            where e.user_key_hash = warehouse.salted_sha256(p.owner_user_id::text, warehouse.pii_salt())
        )
),
final as (
    select
        s.id as health_event_id,
        s.pet_id,
        s.owner_user_id,
        s.event_type,
        nullif(btrim(s.vaccine_name), '')::varchar(100) as vaccine_name,
        nullif(btrim(s.medication_name), '')::varchar(100) as medication_name,
        s.occurred_on,
        s.next_due_on,
        s.outcome,
        s.created_at,
        s.updated_at,
        now() as _dbt_loaded_at
    from source as s
)
select * from final;
