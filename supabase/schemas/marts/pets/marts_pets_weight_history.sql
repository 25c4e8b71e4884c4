-- Model marts_pets_weight_history. Grain: one row per weigh-in.
-- Materialized per pet (recompute_keys on pet_id): the pets a batch touched (marts.pets_touched) have
-- all their weigh-ins recomputed from staging, since each row compares a weigh-in with the pet's
-- previous one; a hard-deleted weigh-in or pet has none.

create table marts.marts_pets_weight_history (
    weight_id uuid primary key,
    pet_id uuid not null,
    owner_user_id uuid not null,
    species varchar(20),
    weighed_on date not null,
    weight_kg numeric(6,2) not null,
    life_stage varchar(20),
    previous_weight_kg numeric(6,2),
    previous_weighed_on date,
    change_pct numeric(8,1),
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now()
);

create index idx_marts_pets_weight_history_pet on marts.marts_pets_weight_history (pet_id, weighed_on);
create index idx_marts_pets_weight_history_date on marts.marts_pets_weight_history (weighed_on);

comment on table marts.marts_pets_weight_history is
    'Fact: pet weigh-ins. Grain: one row per weigh-in. Use: weight trends by species and life stage, growth and abnormal changes.';
comment on column marts.marts_pets_weight_history.weight_id is 'The weigh-in.';
comment on column marts.marts_pets_weight_history.pet_id is 'The pet (marts_pets_dim_pets.pet_id).';
comment on column marts.marts_pets_weight_history.owner_user_id is 'The pet''s owner.';
comment on column marts.marts_pets_weight_history.species is 'The pet''s species.';
comment on column marts.marts_pets_weight_history.weighed_on is 'Day of the weigh-in.';
comment on column marts.marts_pets_weight_history.weight_kg is 'Weight in kilograms.';
comment on column marts.marts_pets_weight_history.life_stage is 'The pet''s life stage on weighed_on.';
comment on column marts.marts_pets_weight_history.previous_weight_kg is 'Weight at the pet''s previous weigh-in.';
comment on column marts.marts_pets_weight_history.previous_weighed_on is 'Day of the previous weigh-in.';
comment on column marts.marts_pets_weight_history.change_pct is 'Change from the previous weigh-in, in percent.';
comment on column marts.marts_pets_weight_history.analytics_opt_out is 'The owner opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_pets_weight_history._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation: the touched function is the shared marts.pets_touched (marts_pets__touched.sql).
create function marts.marts_pets_weight_history__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_pets_weight_history
language sql
stable
begin atomic
    with weights as (
        select
            w.weight_id, w.pet_id, w.weighed_on, w.weight_kg,
            lag(w.weight_kg) over (partition by w.pet_id order by w.weighed_on, w.weight_id) as previous_weight_kg,
            lag(w.weighed_on) over (partition by w.pet_id order by w.weighed_on, w.weight_id) as previous_weighed_on
        from staging.stg_supabase_pet_weights as w
        join marts.pets_touched(p_from_batch, p_to_batch) as t on t.pet_id = w.pet_id
        where not w.is_hard_deleted
    ),
    final as (
        select
            w.weight_id,
            w.pet_id,
            p.owner_user_id,
            p.species,
            w.weighed_on,
            w.weight_kg,
            ls.life_stage,
            w.previous_weight_kg,
            w.previous_weighed_on,
            round((w.weight_kg - w.previous_weight_kg) / nullif(w.previous_weight_kg, 0) * 100, 1) as change_pct,
            coalesce(u.analytics_opt_out, false) as analytics_opt_out,
            now() as _dbt_loaded_at
        from weights as w
        join staging.stg_supabase_pets as p on p.pet_id = w.pet_id and not p.is_hard_deleted
        left join staging.stg_supabase_users as u on u.user_id = p.owner_user_id
        -- the life stage rule at the weigh-in, inlined: evaluated per weigh-in without a function call
        cross join lateral warehouse.pet_life_stage_of(p.species, warehouse.pet_age_months(p.birth_date, w.weighed_on)) as ls
    )
    select * from final;
end;

comment on function marts.marts_pets_weight_history__rows(bigint, bigint) is
    'Model marts_pets_weight_history: the mart rows of every weigh-in of the pets touched in batches '
    '(p_from_batch, p_to_batch] (marts.pets_touched), computed from staging with the change from the previous '
    'weigh-in; hard-deleted weigh-ins and pets have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_pets_weight_history', 'marts', 'marts', 'marts_pets_weight_history', 'recompute_keys', '{weight_id}',
    'marts.marts_pets_weight_history__rows', 'marts.pets_touched', '{pet_id}', 'one row per weigh-in');

insert into warehouse.model_state (model_name) values ('marts_pets_weight_history');

select warehouse.enable_mart_rls('marts_pets_weight_history');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate, erase_order)
values
    ('marts', 'marts_pets_weight_history', 'owner_user_id = $1', 100);

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_pets_weight_history', 'marts', 60, 'delete_rows', 'weighed_on', 'Marts keep 5 years of weigh-ins.');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_pets_weight_history__weight_id__unique', 'marts_pets_weight_history', 'marts', 'marts_pets_weight_history', 'unique', 'weight_id',
        'weight_id', '{}', 'error', 'One row per weigh-in.'),
    ('marts_pets_weight_history__weight_id__not_null', 'marts_pets_weight_history', 'marts', 'marts_pets_weight_history', 'not_null', 'weight_id',
        null, '{}', 'error', 'Every row has a weigh-in.'),
    ('marts_pets_weight_history__pet_id__relationships', 'marts_pets_weight_history', 'marts', 'marts_pets_weight_history', 'relationships',
        'pet_id', 'weight_id', '{"to_schema": "marts", "to_table": "marts_pets_dim_pets", "to_column": "pet_id"}', 'error',
        'Every weigh-in belongs to a pet of the dimension.');
