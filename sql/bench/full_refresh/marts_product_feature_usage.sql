-- Full-refresh baseline of marts.marts_product_feature_usage (supabase/schemas/marts/product/marts_product_feature_usage.sql):
-- one row per feature per user per day of feature_used events: uses, time spent, the first use that day,
-- and whether that day is the user's first with the feature.
create table bench_full.marts_product_feature_usage as
with usage_day as (
    select e.user_id, e.feature_name, e.event_date as usage_date, count(*)::integer as usage_count,
           coalesce(sum(e.duration_seconds), 0)::bigint as time_spent_seconds, min(e.occurred_at) as first_used_at
    from bench_full.stg_supabase_product_events as e
    where e.event_name = 'feature_used' and e.user_id is not null and e.feature_name is not null and e.event_date is not null
    group by e.user_id, e.feature_name, e.event_date
),
final as (
    select
        d.usage_date,
        d.user_id,
        d.feature_name,
        d.usage_count,
        d.time_spent_seconds,
        d.first_used_at,
        d.usage_date = min(d.usage_date) over (partition by d.user_id, d.feature_name) as is_first_use_ever,
        coalesce(u.analytics_opt_out, false) as analytics_opt_out,
        now() as _dbt_loaded_at
    from usage_day as d
    left join bench_full.stg_supabase_users as u on u.user_id = d.user_id
)
select * from final;
