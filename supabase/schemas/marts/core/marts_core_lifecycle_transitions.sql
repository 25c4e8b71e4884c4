-- Lifecycle transitions: the history an SCD1 dimension does not keep (written by the dim model)
create table marts.marts_core_lifecycle_transitions (
    user_id uuid not null,
    changed_on date not null,
    from_stage varchar(50),
    to_stage varchar(50) not null,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (user_id, changed_on, to_stage)
);

create index idx_marts_lifecycle_transitions_changed_on on marts.marts_core_lifecycle_transitions (changed_on);

comment on table marts.marts_core_lifecycle_transitions is
    'Fact: lifecycle stage changes. Grain: one row per user per stage change (from_stage NULL when the user first appears). '
    'Written by the marts_core_dim_users model whenever a user''s stage changes.';
comment on column marts.marts_core_lifecycle_transitions.user_id is 'The user.';
comment on column marts.marts_core_lifecycle_transitions.changed_on is 'UTC date the pipeline saw the change.';
comment on column marts.marts_core_lifecycle_transitions.from_stage is 'Stage before; NULL for a user new to the warehouse.';
comment on column marts.marts_core_lifecycle_transitions.to_stage is 'Stage after.';
comment on column marts.marts_core_lifecycle_transitions.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_core_lifecycle_transitions._dbt_loaded_at is 'When the pipeline wrote the row.';

select warehouse.enable_mart_rls('marts_core_lifecycle_transitions');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_core_lifecycle_transitions', 'user_id = $1');
