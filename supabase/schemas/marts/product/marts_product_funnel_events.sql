-- Model marts_product_funnel_events. Grain: one row per funnel step per user (per funnel).
-- Materialized per (user, funnel) (recompute_keys on user_id, funnel_name): a step's row depends on
-- its neighbours, so a pair with a funnel step the batches changed is recomputed whole. Of a user whose
-- staging row changed, only what that change reaches is touched: the pairs whose analytics_opt_out the
-- user's row no longer matches (an opt-out, or back in; the old refresh function updated it in place),
-- every pair of a hard-deleted user (no rows), and every pair of a user the mart holds none of (back
-- after a hard delete). A pair is recomputed from what staging holds (36 months; the mart keeps 60): a
-- pair whose events are all older than that is not touched by an opt-out any more, and one partly older
-- loses those steps when recomputed, as it did before on a new step.

create table marts.marts_product_funnel_events (
    user_id uuid not null,
    funnel_name varchar(50) not null,
    step_name varchar(50) not null,
    step_number smallint not null,
    reached_at timestamptz not null,
    previous_step_reached_at timestamptz,
    seconds_from_previous_step bigint,
    converted_to_next boolean not null default false,
    analytics_opt_out boolean not null default false,
    _dbt_loaded_at timestamptz default now(),
    primary key (user_id, funnel_name, step_name)
);

create index idx_marts_funnel_events_funnel_step on marts.marts_product_funnel_events (funnel_name, step_number);
-- The day of a first reach: what the product aggregates recompute (marts/product/aggregates).
create index idx_marts_funnel_events_reached_at on marts.marts_product_funnel_events (reached_at);

comment on table marts.marts_product_funnel_events is
    'Fact: funnel progress. Grain: one row per funnel step per user (per funnel), at the first time the user reached it. '
    'Use: funnel analysis, drop-off identification.';
comment on column marts.marts_product_funnel_events.user_id is 'The user.';
comment on column marts.marts_product_funnel_events.funnel_name is 'The funnel (onboarding, premium_upgrade).';
comment on column marts.marts_product_funnel_events.step_name is 'The step reached.';
comment on column marts.marts_product_funnel_events.step_number is 'Its position in the funnel, from 1.';
comment on column marts.marts_product_funnel_events.reached_at is 'The first time the user reached the step.';
comment on column marts.marts_product_funnel_events.previous_step_reached_at is 'When the user first reached the previous step (step_number - 1); NULL for step 1 or when never reached.';
comment on column marts.marts_product_funnel_events.seconds_from_previous_step is 'Seconds from previous_step_reached_at to reached_at; never negative in published data.';
comment on column marts.marts_product_funnel_events.converted_to_next is 'The user also reached the next step (step_number + 1) of the funnel; false at its last step.';
comment on column marts.marts_product_funnel_events.analytics_opt_out is 'The user opted out of analytics: row-level security hides the row from analysts.';
comment on column marts.marts_product_funnel_events._dbt_loaded_at is 'When the pipeline wrote the row.';

-- The transformation.
create function marts.marts_product_funnel_events__touched(p_from_batch bigint, p_to_batch bigint)
returns table (user_id uuid, funnel_name varchar(50))
language sql
stable
begin atomic
    with changed_users as (
        select u.user_id, u.is_hard_deleted, u.analytics_opt_out
        from staging.stg_supabase_users as u
        where u._batch_id > p_from_batch and u._batch_id <= p_to_batch
    )
    -- the pairs with a funnel step the batches changed
    select e.user_id, e.funnel_name
    from staging.stg_supabase_product_events as e
    where e._batch_id > p_from_batch and e._batch_id <= p_to_batch
      and e.event_name = 'funnel_step' and e.user_id is not null and e.funnel_name is not null
    union
    -- the pairs of a user whose staging row changed and no longer matches the mart's opt-out, that staging holds
    select m.user_id, m.funnel_name
    from marts.marts_product_funnel_events as m
    join changed_users as u on u.user_id = m.user_id
    where not u.is_hard_deleted and m.analytics_opt_out is distinct from u.analytics_opt_out
      and exists (
          select 1
          from staging.stg_supabase_product_events as e
          where e.user_id = m.user_id and e.funnel_name = m.funnel_name and e.event_name = 'funnel_step')
    union
    -- every row of a user hard-deleted, also the pairs staging no longer holds
    select m.user_id, m.funnel_name
    from marts.marts_product_funnel_events as m
    join changed_users as u on u.user_id = m.user_id
    where u.is_hard_deleted
    union
    -- every pair of a user whose staging row changed and of whom the mart holds no row (back after a hard
    -- delete); the pairs of the batches' own steps are those above
    select e.user_id, e.funnel_name
    from changed_users as u
    join staging.stg_supabase_product_events as e on e.user_id = u.user_id
    where not u.is_hard_deleted
      and not exists (select 1 from marts.marts_product_funnel_events as m where m.user_id = u.user_id)
      and e.event_name = 'funnel_step' and e.funnel_name is not null
      and e._batch_id <= p_from_batch;
end;

comment on function marts.marts_product_funnel_events__touched(bigint, bigint) is
    'Model marts_product_funnel_events: the (user_id, funnel_name) pairs to recompute for batches (p_from_batch, p_to_batch]: '
    'those with a funnel_step event the batches changed; of a user whose staging row they changed, the pairs whose opt-out '
    'no longer matches the user''s, every pair if they hard-deleted the user, every pair staging holds if the mart holds none.';

create function marts.marts_product_funnel_events__rows(p_from_batch bigint, p_to_batch bigint)
returns setof marts.marts_product_funnel_events
language sql
stable
begin atomic
    with steps as (
        select e.user_id, e.funnel_name, e.funnel_step as step_name, min(e.step_number) as step_number,
               min(e.occurred_at) as reached_at
        from staging.stg_supabase_product_events as e
        join marts.marts_product_funnel_events__touched(p_from_batch, p_to_batch) as t
            on t.user_id = e.user_id and t.funnel_name = e.funnel_name
        where e.event_name = 'funnel_step' and not e.is_hard_deleted
          and e.funnel_step is not null and e.step_number is not null and e.occurred_at is not null
        group by e.user_id, e.funnel_name, e.funnel_step
    ),
    -- The neighbouring step numbers by a window over the user's funnel, not a join of steps to
    -- themselves (whose row estimate, an aggregate of an aggregate, made the planner loop over pairs).
    neighbours as (
        select
            s.*,
            min(s.reached_at) over (partition by s.user_id, s.funnel_name order by s.step_number
                range between 1 preceding and 1 preceding) as previous_step_reached_at,
            count(*) over (partition by s.user_id, s.funnel_name order by s.step_number
                range between 1 following and 1 following) > 0 as converted_to_next
        from steps as s
    ),
    final as (
        select
            n.user_id,
            n.funnel_name,
            n.step_name,
            n.step_number,
            n.reached_at,
            n.previous_step_reached_at,
            extract(epoch from n.reached_at - n.previous_step_reached_at)::bigint as seconds_from_previous_step,
            n.converted_to_next,
            coalesce(u.analytics_opt_out, false) as analytics_opt_out,
            now() as _dbt_loaded_at
        from neighbours as n
        left join staging.stg_supabase_users as u on u.user_id = n.user_id
        where not coalesce(u.is_hard_deleted, false)
    )
    select * from final;
end;

comment on function marts.marts_product_funnel_events__rows(bigint, bigint) is
    'Model marts_product_funnel_events: the mart rows of every step of the (user, funnel) pairs of '
    'marts_product_funnel_events__touched (batches (p_from_batch, p_to_batch]), computed from the funnel_step events in '
    'staging: first reach per step, time from the previous step, whether the next was reached; hard-deleted users have none.';

insert into warehouse.models (model_name, layer, target_schema, target_table, materialization, unique_key, transformation, touched_function, recompute_key, grain)
values ('marts_product_funnel_events', 'marts', 'marts', 'marts_product_funnel_events', 'recompute_keys', '{user_id,funnel_name,step_name}',
    'marts.marts_product_funnel_events__rows', 'marts.marts_product_funnel_events__touched', '{user_id,funnel_name}',
    'one row per funnel step per user (per funnel)');

insert into warehouse.model_state (model_name) values ('marts_product_funnel_events');

select warehouse.enable_mart_rls('marts_product_funnel_events');

insert into warehouse.user_keyed_tables (table_schema, table_name, user_predicate)
values
    ('marts', 'marts_product_funnel_events', 'user_id = $1');

insert into warehouse.quality_tests (test_name, model_name, table_schema, table_name, kind, column_name, key_column, params, severity, description)
values
    ('marts_product_funnel_events__pk__unique', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'unique', null, null, '{"columns": ["user_id", "funnel_name", "step_name"]}', 'error', 'One row per funnel step per user.'),
    ('marts_product_funnel_events__user_id__not_null', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'not_null', 'user_id', null, '{}', 'error', 'Every funnel row has a user.'),
    ('marts_product_funnel_events__reached_at__not_null', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'not_null', 'reached_at', 'user_id', '{}', 'error', 'Every funnel step has the time it was reached.'),
    ('marts_product_funnel_events__funnel_name__accepted_values', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'accepted_values', 'funnel_name', 'user_id', '{"values": ["onboarding", "premium_upgrade"]}', 'warn',
        'Funnels are the ones the app tracks (warn: a new funnel can ship before the warehouse knows it).'),
    ('marts_product_funnel_events__step_before_previous', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'expression', null, 'user_id', '{"where": "seconds_from_previous_step < 0"}', 'error',
        'No funnel step is reached before its previous step (a client clock or tracking bug).'),
    ('marts_product_funnel_events__user_id__relationships', 'marts_product_funnel_events', 'marts', 'marts_product_funnel_events',
        'relationships', 'user_id', 'user_id', '{"to_schema": "marts", "to_table": "marts_core_dim_users", "to_column": "user_id"}', 'warn',
        'Funnel steps name known users.');

insert into warehouse.retention_policies (table_schema, table_name, layer, retain_months, method, date_column, description)
values
    ('marts', 'marts_product_funnel_events', 'marts', 60, 'delete_rows', 'reached_at',
        'Marts keep 5 years of funnel steps, by the time reached.');
