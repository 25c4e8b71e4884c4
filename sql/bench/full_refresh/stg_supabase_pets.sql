-- Full-refresh baseline of staging.stg_supabase_pets (supabase/schemas/staging/stg_supabase_pets.sql):
-- one row per pet from public.pets, without its name; age in whole months today. Pets of erased owners
-- are left out, as extraction leaves them out.
create table bench_full.stg_supabase_pets as
with source as (
    select s.*
    from public.pets as s
    where not exists (select from warehouse.erased_users)
        or not exists (
            select from warehouse.erased_users as e
            where e.user_key_hash = warehouse.salted_sha256(s.owner_user_id::text, warehouse.pii_salt())
        )
),
final as (
    select
        s.id as pet_id,
        s.owner_user_id,
        s.species,
        nullif(btrim(s.breed), '')::varchar(100) as breed,
        s.birth_date,
        warehouse.pet_age_months(s.birth_date, current_date) as age_months_at_load,
        s.sex,
        s.is_neutered,
        s.created_at,
        s.updated_at,
        s.deleted_at,
        now() as _dbt_loaded_at
    from source as s
)
select * from final;
