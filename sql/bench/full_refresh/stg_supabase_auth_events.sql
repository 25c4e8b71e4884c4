-- Full-refresh baseline of staging.stg_supabase_auth_events (supabase/schemas/staging/stg_supabase_auth_events.sql):
-- one row per authentication event from public.auth_events, IP hashed with the warehouse's salt, user
-- agent dropped. Events of erased users are left out, as extraction leaves them out.
create table bench_full.stg_supabase_auth_events as
with salt as (
    select warehouse.pii_salt() as salt
    offset 0
),
source as (
    select s.*
    from public.auth_events as s
    where not exists (select from warehouse.erased_users)
        or not exists (
            select from warehouse.erased_users as e
            where e.user_key_hash = warehouse.salted_sha256(s.user_id::text, (select k.salt from salt as k))
        )
),
final as (
    select
        s.id as event_id,
        s.user_id,
        s.event_type,
        s.auth_method,
        s.failure_reason,
        warehouse.salted_sha256(host(s.ip_address), k.salt) as ip_hash,
        (s.occurred_at at time zone 'UTC')::date as event_date,
        s.occurred_at,
        s.created_at,
        now() as _dbt_loaded_at
    from source as s
    cross join salt as k
)
select * from final;
