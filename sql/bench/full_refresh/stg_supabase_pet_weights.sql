-- Full-refresh baseline of staging.stg_supabase_pet_weights (supabase/schemas/staging/stg_supabase_pet_weights.sql):
-- one row per weigh-in from public.pet_weights, with the pet's owner. Weigh-ins of erased owners' pets
-- are left out, as extraction leaves them out.
create table bench_full.stg_supabase_pet_weights as
with source as (
    select s.*, p.owner_user_id
    from public.pet_weights as s
    left join public.pets as p on p.id = s.pet_id
    where not exists (select from warehouse.erased_users)
        or not exists (
            select from warehouse.erased_users as e
            where e.user_key_hash = warehouse.salted_sha256(p.owner_user_id::text, warehouse.pii_salt())
        )
),
final as (
    select
        s.id as weight_id,
        s.pet_id,
        s.owner_user_id,
        s.weighed_on,
        s.weight_kg,
        s.created_at,
        s.updated_at,
        now() as _dbt_loaded_at
    from source as s
)
select * from final;
