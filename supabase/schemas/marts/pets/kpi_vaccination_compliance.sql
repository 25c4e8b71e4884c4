-- Use-case views (the invoker's rights: analysts never count pets of owners who opted out)
create view marts.kpi_vaccination_compliance
with (security_invoker = true)
as
with pets as (
    select d.species, d.vaccination_status
    from marts.marts_pets_dim_pets as d
    where d.deleted_at is null
),
final as (
    select
        p.species,
        count(*)::bigint as pet_count,
        (count(*) filter (where p.vaccination_status = 'up_to_date'))::bigint as up_to_date_count,
        (count(*) filter (where p.vaccination_status = 'overdue'))::bigint as overdue_count,
        (count(*) filter (where p.vaccination_status = 'no_record'))::bigint as no_record_count,
        round((count(*) filter (where p.vaccination_status = 'up_to_date'))::numeric / count(*), 4) as up_to_date_share
    from pets as p
    group by p.species
)
select * from final;

comment on view marts.kpi_vaccination_compliance is
    'KPI: vaccination compliance. Grain: one row per species. Pets not deleted; up to date = at least one vaccine on record '
    'and no vaccine''s next dose overdue (marts_pets_dim_pets.vaccination_status).';
comment on column marts.kpi_vaccination_compliance.species is 'The species.';
comment on column marts.kpi_vaccination_compliance.pet_count is 'Pets of the species.';
comment on column marts.kpi_vaccination_compliance.up_to_date_count is 'Pets whose vaccinations are up to date.';
comment on column marts.kpi_vaccination_compliance.overdue_count is 'Pets with a vaccine overdue.';
comment on column marts.kpi_vaccination_compliance.no_record_count is 'Pets with no vaccine on record.';
comment on column marts.kpi_vaccination_compliance.up_to_date_share is 'up_to_date_count / pet_count.';
