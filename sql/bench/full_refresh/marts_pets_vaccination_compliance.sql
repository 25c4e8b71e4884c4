-- Full-refresh baseline of marts.marts_pets_vaccination_compliance
-- (supabase/schemas/marts/pets/aggregates/marts_pets_vaccination_compliance.sql): one row per species
-- with pets of the baseline's marts_pets_dim_pets not deleted whose owner did not opt out of analytics,
-- by vaccination status as of today (the former kpi_vaccination_compliance), counted today.
create table bench_full.marts_pets_vaccination_compliance as
with pets as (
    select d.species, d.vaccination_status
    from bench_full.marts_pets_dim_pets as d
    where d.deleted_at is null and not d.analytics_opt_out and d.species is not null
),
final as (
    select
        p.species::varchar(20) as species,
        count(*)::integer as pet_count,
        (count(*) filter (where p.vaccination_status = 'up_to_date'))::integer as up_to_date_count,
        (count(*) filter (where p.vaccination_status = 'overdue'))::integer as overdue_count,
        (count(*) filter (where p.vaccination_status = 'no_record'))::integer as no_record_count,
        current_date as _counted_on,
        now() as _dbt_loaded_at
    from pets as p
    group by p.species
)
select * from final;
