-- Full-refresh baseline of staging.stg_supabase_sessions (supabase/schemas/staging/stg_supabase_sessions.sql):
-- one row per session from public.sessions, client IP hashed with the warehouse's salt, user agent
-- dropped. Sessions of erased users are left out, as extraction leaves them out.
create table bench_full.stg_supabase_sessions as
with salt as (
    select warehouse.pii_salt() as salt
    offset 0
),
source as (
    select s.*
    from public.sessions as s
    where not exists (select from warehouse.erased_users)
        or not exists (
            select from warehouse.erased_users as e
            where e.user_key_hash = warehouse.salted_sha256(s.user_id::text, (select k.salt from salt as k))
        )
),
final as (
    select
        s.id as session_id,
        s.user_id,
        (s.started_at at time zone 'UTC')::date as session_date,
        s.started_at,
        s.last_activity_at,
        s.ended_at,
        extract(epoch from coalesce(s.ended_at, s.last_activity_at) - s.started_at)::integer as duration_seconds,
        warehouse.salted_sha256(host(s.ip_address), k.salt) as ip_hash,
        s.device_type,
        s.auth_method,
        s.api_calls_count,
        coalesce(s.features_used, '{}') as features_used,
        s.created_at,
        s.updated_at,
        now() as _dbt_loaded_at
    from source as s
    cross join salt as k
)
select * from final;
