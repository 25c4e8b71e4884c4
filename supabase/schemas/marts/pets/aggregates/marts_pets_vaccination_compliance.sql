-- Model marts_pets_vaccination_compliance. Grain: one row per species with a pet. Pre-aggregated
-- vaccination compliance, so that marts.kpi_vaccination_compliance reads five rows instead of counting
-- every pet: pets of the dimension not deleted, whose owner did not opt out of analytics, by
-- vaccination_status (as of the run, as the dimension holds it).
-- Materialized per species (recompute_keys on species). Touched: the species of the pets the batches
-- touched (marts.pets_touched: the pet, its records or its owner changed) or whose owner
-- kpi_recounted_users names, and the species with a pet
-- whose next vaccine came due since the species was counted (_counted_on): the dimension moves those
-- from up_to_date to overdue with the date alone.

create table marts.marts_pets_vaccination_compliance (
    species varchar(20) primary key,
    pet_count integer not null default 0,
    up_to_date_count integer not null default 0,
    overdue_count integer not null default 0,
    no_record_count integer not null default 0,
    _counted_on date not null,
    _dbt_loaded_at timestamptz default now()
);

comment on table marts.marts_pets_vaccination_compliance is
    'Aggregate: vaccination compliance. Grain: one row per species with a pet not deleted whose owner did not opt out of '
    'analytics. Use: share of pets up to date on vaccines (marts.kpi_vaccination_compliance).';
comment on column marts.marts_pets_vaccination_compliance.species is 'The species.';
comment on column marts.marts_pets_vaccination_compliance.pet_count is 'Pets of the species.';
comment on column marts.marts_pets_vaccination_compliance.up_to_date_count is 'Pets whose vaccinations are up to date.';
comment on column marts.marts_pets_vaccination_compliance.overdue_count is 'Pets with a vaccine overdue.';
comment on column marts.marts_pets_vaccination_compliance.no_record_count is 'Pets with no vaccine on record.';
comment on column marts.marts_pets_vaccination_compliance._counted_on is 'Pipeline metadata: the day (warehouse.as_of_date) of the run that counted the species; statuses are as of that day.';
comment on column marts.marts_pets_vaccination_compliance._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_pets_vaccination_compliance__touched(p_from_batch bigint, p_to_batch bigint)
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

comment on function marts.marts_pets_vaccination_compliance__touched(bigint, bigint) is
    'Model marts_pets_vaccination_compliance: the species to recount for batches (p_from_batch, p_to_batch]: those of the '
    'pets marts.pets_touched names or whose owner marts.kpi_recounted_users names, and those with a pet whose next vaccine '
    'came due since the species was counted.';

create function marts.marts_pets_vaccination_compliance__rows(p_from_batch bigint, p_to_batch bigint)
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

comment on function marts.marts_pets_vaccination_compliance__rows(bigint, bigint) is
    'Model marts_pets_vaccination_compliance: the pets per vaccination status of each species of '
    'marts_pets_vaccination_compliance__touched (batches p_from_batch, p_to_batch], from marts_pets_dim_pets (not deleted, '
    'owner not opted out), counted today.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_vaccination_compliance', 'marts', 'marts', 'marts_pets_vaccination_compliance', 'recompute_keys', '{species}',
    'marts.marts_pets_vaccination_compliance__rows', 'marts.marts_pets_vaccination_compliance__touched', '{species}',
    'one row per species');

insert into warehouse.model_state (model_name) values ('marts_pets_vaccination_compliance');

select warehouse.enable_aggregate_rls('marts_pets_vaccination_compliance');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_vaccination_compliance__species__unique', 'marts_pets_vaccination_compliance', 'marts', 'marts_pets_vaccination_compliance',
        'unique', 'species', 'species', '{}', 'error', 'One row per species.'),
    ('marts_pets_vaccination_compliance__no_negative_counts', 'marts_pets_vaccination_compliance', 'marts',
        'marts_pets_vaccination_compliance', 'no_negative', null, 'species',
        '{"columns": ["pet_count", "up_to_date_count", "overdue_count", "no_record_count"]}', 'error', 'Pet counts are never negative.'),
    ('marts_pets_vaccination_compliance__statuses_add_up', 'marts_pets_vaccination_compliance', 'marts', 'marts_pets_vaccination_compliance',
        'expression', null, 'species', '{"where": "up_to_date_count + overdue_count + no_record_count <> pet_count"}', 'error',
        'Every pet has exactly one vaccination status.'),
    ('marts_pets_vaccination_compliance__sums_to_dimension', 'marts_pets_vaccination_compliance', 'marts', 'marts_pets_vaccination_compliance',
        'expression', null, 'species',
        '{"where": "(select coalesce(sum(s.pet_count), 0) from marts.marts_pets_vaccination_compliance as s) <> (select count(*) from marts.marts_pets_dim_pets as d where d.deleted_at is null and not d.analytics_opt_out)"}',
        'error', 'The species count every pet of the dimension (not deleted, owner not opted out) once: every row fails when they do not.');
