-- The days on which a funnel step's first reach may have moved, shared by the touched functions of the
-- product aggregates (marts_product_funnel_conversion_daily, marts_product_feature_adoption_daily).
-- marts_product_funnel_events recomputes a (user, funnel) pair whenever a step event of it changes, and
-- its reached_at is the earliest step event: so the first reach was, and is, on the day of one of that
-- pair's step events in staging (hard-deleted ones kept there as such). Every such day of the pairs the
-- batches changed, and of every pair of a user kpi_recounted_users names.
--
-- In its own file, named to sort before the product aggregate models (schema_paths applies
-- ./schemas/marts/*/aggregates/*.sql in lexicographic order, and '_' sorts before every letter).

create function marts.kpi_funnel_reach_days(p_from_batch bigint, p_to_batch bigint)
returns table (reached_date date)
language sql
stable
begin atomic
    with changed_pairs as (
        select e.user_id, e.funnel_name
        from staging.stg_supabase_product_events as e
        where e._batch_id > p_from_batch and e._batch_id <= p_to_batch
          and e.event_name = 'funnel_step' and e.user_id is not null and e.funnel_name is not null
        union
        select e.user_id, e.funnel_name
        from staging.stg_supabase_product_events as e
        join marts.kpi_recounted_users(p_from_batch, p_to_batch) as r on r.user_id = e.user_id
        where e.event_name = 'funnel_step' and e.funnel_name is not null
    )
    select distinct (e.occurred_at at time zone 'UTC')::date
    from staging.stg_supabase_product_events as e
    join changed_pairs as p on p.user_id = e.user_id and p.funnel_name = e.funnel_name
    where e.event_name = 'funnel_step' and e.occurred_at is not null;
end;

comment on function marts.kpi_funnel_reach_days(bigint, bigint) is
    'The UTC days (one row each) on which batches (p_from_batch, p_to_batch] may have moved a first reach of a funnel step '
    '(marts_product_funnel_events.reached_at): every step-event day of the (user, funnel) pairs with a step event the '
    'batches changed, and of every pair of a user marts.kpi_recounted_users names.';
