-- Use-case views (the invoker's rights: analysts never count pets of owners who opted out; the views that
-- count over history read pre-aggregated marts, marts/pets/aggregates/, which count none of them either)
create view marts.kpi_vaccination_compliance
with (security_invoker = true)
as
select
    v.species,
    v.pet_count::bigint as pet_count,
    v.up_to_date_count::bigint as up_to_date_count,
    v.overdue_count::bigint as overdue_count,
    v.no_record_count::bigint as no_record_count,
    round(v.up_to_date_count::numeric / v.pet_count, 4) as up_to_date_share
from marts.marts_pets_vaccination_compliance as v
where v.pet_count > 0;

comment on view marts.kpi_vaccination_compliance is
    'KPI: vaccination compliance. Grain: one row per species. Pets not deleted; up to date = at least one vaccine on record '
    'and no vaccine''s next dose overdue (marts_pets_dim_pets.vaccination_status). Reads the pre-aggregated mart '
    'marts_pets_vaccination_compliance (pets of owners who opted out are not counted).';
comment on column marts.kpi_vaccination_compliance.species is 'The species.';
comment on column marts.kpi_vaccination_compliance.pet_count is 'Pets of the species.';
comment on column marts.kpi_vaccination_compliance.up_to_date_count is 'Pets whose vaccinations are up to date.';
comment on column marts.kpi_vaccination_compliance.overdue_count is 'Pets with a vaccine overdue.';
comment on column marts.kpi_vaccination_compliance.no_record_count is 'Pets with no vaccine on record.';
comment on column marts.kpi_vaccination_compliance.up_to_date_share is 'up_to_date_count / pet_count.';
