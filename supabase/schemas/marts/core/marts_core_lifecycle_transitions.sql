-- Lifecycle transitions: the history an SCD1 dimension does not keep (written by the dim models post hook)
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

-- Written by the marts_core_dim_users model's post hook, right after the dimension is refreshed: a
-- user's stage that differs from the last stage recorded for them is a transition (from_stage NULL for
-- a user the history has not seen). Only the rows this run wrote can have a new stage (every other row
-- was compared when it was written), so the hook reads those (_dbt_loaded_at = now(), the run's
-- transaction time, indexed), not the whole dimension. A user who opted out (or back in) is followed here too.
create function marts.marts_core_lifecycle_transitions__record(p_from_batch bigint, p_to_batch bigint)
returns void
language sql
begin atomic
    insert into marts.marts_core_lifecycle_transitions (user_id, changed_on, from_stage, to_stage, analytics_opt_out)
    select d.user_id, warehouse.as_of_date(), l.to_stage, d.lifecycle_stage, d.analytics_opt_out
    from marts.marts_core_dim_users as d
    left join lateral (
        select t.to_stage
        from marts.marts_core_lifecycle_transitions as t
        where t.user_id = d.user_id
        order by t.changed_on desc, t._dbt_loaded_at desc
        limit 1
    ) as l on true
    where d._dbt_loaded_at = now()
      and d.lifecycle_stage is distinct from l.to_stage
    on conflict (user_id, changed_on, to_stage) do nothing;
    update marts.marts_core_lifecycle_transitions as t
    set analytics_opt_out = u.analytics_opt_out
    from staging.stg_supabase_users as u
    where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
      and t.user_id = u.user_id and t.analytics_opt_out is distinct from u.analytics_opt_out;
end;

comment on function marts.marts_core_lifecycle_transitions__record(bigint, bigint) is
    'Post hook of marts_core_dim_users: records each user the run recomputed whose stage differs from their last '
    'recorded one as a transition dated warehouse.as_of_date() (today), and follows opt-out changes of batches '
    '(p_from_batch, p_to_batch].';

select warehouse.enable_mart_rls('marts_core_lifecycle_transitions');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_core_lifecycle_transitions', 'user_id = $1');
