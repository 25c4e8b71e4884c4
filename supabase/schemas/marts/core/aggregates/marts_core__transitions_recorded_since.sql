-- The lifecycle transitions recorded since a pre-aggregated mart was last refreshed, shared by the touched
-- functions of the aggregates that count lifecycle stages (marts_core_lifecycle_movement_weekly,
-- marts_core_signup_cohort_stages). marts_core_dim_users records a transition (dated the day of the run)
-- whenever a user's stage moves, also with the date alone and so without a batch: what a run recorded
-- is told by _dbt_loaded_at, the start of its transaction, later than the model's own last refresh
-- (warehouse.model_state.refreshed_at, the start of the transaction that published it). On a model's first
-- run (p_from_batch 0, also after a full refresh) every transition.
--
-- In its own file, named to sort before the aggregate models (schema_paths applies
-- ./schemas/marts/*/aggregates/*.sql in lexicographic order, and '_' sorts before every letter).

create function marts.kpi_transitions_recorded_since(p_model_name text, p_from_batch bigint)
returns table (user_id uuid, changed_on date)
language sql
stable
begin atomic
    with since as (
        select case
                   when p_from_batch = 0 then '-infinity'::timestamptz
                   else coalesce((select s.refreshed_at from warehouse.model_state as s where s.model_name = p_model_name),
                                 '-infinity'::timestamptz)
               end as refreshed_at
    )
    select t.user_id, t.changed_on
    from marts.marts_core_lifecycle_transitions as t
    cross join since as s
    where t.changed_on >= (s.refreshed_at at time zone 'UTC')::date
      -- dated after the day of the last refresh, or that day and written after it (a second run that day)
      and (t.changed_on > (s.refreshed_at at time zone 'UTC')::date or t._dbt_loaded_at > s.refreshed_at);
end;

comment on function marts.kpi_transitions_recorded_since(text, bigint) is
    'The lifecycle transitions (user, day) recorded since model p_model_name was last refreshed: dated after the day of '
    'its warehouse.model_state.refreshed_at, or that day and written (_dbt_loaded_at) after it; every transition when '
    'p_from_batch is 0 (the model''s first run).';
