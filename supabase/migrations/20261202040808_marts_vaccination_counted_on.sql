-- Written by hand (db:migration cannot rename a column: migra drops and adds it, and a BEGIN ATOMIC
-- function depends on it): marts_pets_vaccination_compliance.counted_on becomes pipeline metadata,
-- _counted_on, so that a species the run did not touch does not differ from a full recomputation on a later
-- day. Its two functions are created again from supabase/schemas/marts/pets/aggregates/marts_pets_vaccination_compliance.sql
-- (their output column alias follows the new name); each BEGIN ATOMIC function from a DO block, as the
-- generated migrations do (the pinned supabase CLI splits their bodies).
alter table marts.marts_pets_vaccination_compliance rename column counted_on to _counted_on;

comment on column marts.marts_pets_vaccination_compliance._counted_on is 'Pipeline metadata: the day (warehouse.as_of_date) of the run that counted the species; statuses are as of that day.';

do $atomic$
begin
    execute $body$
create or replace function marts.marts_pets_vaccination_compliance__touched(p_from_batch bigint, p_to_batch bigint)
returns table (species varchar(20))
language sql
stable
begin atomic
    -- the species of the pets the batches touched
    select p.species
    from staging.stg_supabase_pets as p
    join marts.pets_touched(p_from_batch, p_to_batch) as t on t.pet_id = p.pet_id
    where p.species is not null
    union
    -- the species of the pets of an owner who opted out or back in, is new, hard-deleted or erased
    select p.species
    from staging.stg_supabase_pets as p
    join marts.kpi_recounted_users(p_from_batch, p_to_batch) as r on r.user_id = p.owner_user_id
    where p.species is not null
    union
    -- the species with a pet whose next vaccine came due since it was counted
    select v.species
    from marts.marts_pets_vaccination_compliance as v
    where v._counted_on < warehouse.as_of_date()
      and exists (
          select 1
          from marts.marts_pets_dim_pets as d
          where d.species = v.species and d.next_vaccine_due_on >= v._counted_on and d.next_vaccine_due_on < warehouse.as_of_date());
end;
$body$;
end
$atomic$;

do $atomic$
begin
    execute $body$
create or replace function marts.marts_pets_vaccination_compliance__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_vaccination_compliance
language sql
stable
begin atomic
    with touched as (
        select distinct t.species
        from marts.marts_pets_vaccination_compliance__touched(p_from_batch, p_to_batch) as t
    ),
    final as (
        select
            d.species,
            count(*)::integer as pet_count,
            (count(*) filter (where d.vaccination_status = 'up_to_date'))::integer as up_to_date_count,
            (count(*) filter (where d.vaccination_status = 'overdue'))::integer as overdue_count,
            (count(*) filter (where d.vaccination_status = 'no_record'))::integer as no_record_count,
            warehouse.as_of_date() as _counted_on,
            now() as _dbt_loaded_at
        from marts.marts_pets_dim_pets as d
        join touched as t on t.species = d.species
        where d.deleted_at is null and not d.analytics_opt_out
        group by d.species
    )
    select * from final;
end;
$body$;
end
$atomic$;

