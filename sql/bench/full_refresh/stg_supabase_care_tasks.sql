-- Full-refresh baseline of staging.stg_supabase_care_tasks (supabase/schemas/staging/stg_supabase_care_tasks.sql):
-- one row per care task from public.care_tasks, with the pet's owner. Tasks of erased owners' pets are
-- left out, as extraction leaves them out.
create table bench_full.stg_supabase_care_tasks as
with source as (
    select s.*, p.owner_user_id
    from public.care_tasks as s
    left join public.pets as p on p.id = s.pet_id
    where not exists (select from warehouse.erased_users)
        or not exists (
            select from warehouse.erased_users as e
            where e.user_key_hash = warehouse.salted_sha256(p.owner_user_id::text, warehouse.pii_salt())
        )
),
final as (
    select
        s.id as care_task_id,
        s.pet_id,
        s.owner_user_id,
        s.task_type,
        s.due_on,
        s.reminder_sent_at,
        s.completed_at,
        s.status,
        s.created_at,
        s.updated_at,
        now() as _dbt_loaded_at
    from source as s
)
select * from final;
