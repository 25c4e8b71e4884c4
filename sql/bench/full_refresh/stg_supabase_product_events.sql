-- Full-refresh baseline of staging.stg_supabase_product_events (supabase/schemas/staging/stg_supabase_product_events.sql):
-- one row per product event from public.product_events; properties that may hold PII
-- (warehouse.jsonb_has_pii) are withheld whole. Events of erased users are left out, as extraction
-- leaves them out.
create table bench_full.stg_supabase_product_events as
with source as (
    select s.*
    from public.product_events as s
    where not exists (select from warehouse.erased_users)
        or not exists (
            select from warehouse.erased_users as e
            where e.user_key_hash = warehouse.salted_sha256(s.user_id::text, warehouse.pii_salt())
        )
),
checked as (
    select s.*, warehouse.jsonb_has_pii(s.properties) as has_pii
    from source as s
),
final as (
    select
        s.id as event_id,
        s.user_id,
        s.session_id,
        s.event_name,
        s.feature_name,
        s.funnel_name,
        s.funnel_step,
        s.step_number,
        s.duration_seconds,
        case when s.has_pii then null else s.properties end as properties,
        s.has_pii as properties_withheld,
        (s.occurred_at at time zone 'UTC')::date as event_date,
        s.occurred_at,
        s.created_at,
        now() as _dbt_loaded_at
    from checked as s
)
select * from final;
