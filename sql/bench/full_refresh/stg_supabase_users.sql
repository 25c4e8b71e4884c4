-- Full-refresh baseline of staging.stg_supabase_users (supabase/schemas/staging/stg_supabase_users.sql):
-- one row per user, straight from the operational table as dbt's `table` materialization would build
-- it from its source (no raw layer): typed, PII hashed with the warehouse's salt, no name, photo, raw
-- email, IP or password hash. The source's primary key makes every user one row already (nothing to
-- deduplicate); users erased with warehouse.forget_user are left out, as extraction leaves them out.
create table bench_full.stg_supabase_users as
with salt as (
    select warehouse.pii_salt() as salt
    offset 0
),
source as (
    select s.*
    from public.users as s
    where not exists (select from warehouse.erased_users)
        or not exists (
            select from warehouse.erased_users as e
            where e.user_key_hash = warehouse.salted_sha256(s.id::text, (select k.salt from salt as k))
        )
),
final as (
    select
        s.id as user_id,
        warehouse.salted_sha256(warehouse.normalise_email(s.email), k.salt) as email_hash,
        warehouse.salted_sha256(host(s.last_login_ip), k.salt) as ip_hash,
        nullif(lower(split_part(btrim(s.email), '@', 2)), '')::varchar(255) as email_domain,
        warehouse.mask_email(s.email) as email_masked,
        s.email_verified,
        s.hashed_password is not null as has_password,
        s.auth_methods,
        s.preferred_auth_method,
        s.two_factor_enabled,
        coalesce(s.account_locked_until > now(), false) as is_account_locked,
        s.failed_login_attempts,
        s.last_login_at,
        coalesce(s.analytics_opt_out, false) as analytics_opt_out,
        s.created_at,
        s.updated_at,
        s.deleted_at,
        now() as _dbt_loaded_at
    from source as s
    cross join salt as k
)
select * from final;
