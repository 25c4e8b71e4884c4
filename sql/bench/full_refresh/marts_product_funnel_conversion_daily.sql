-- Full-refresh baseline of marts.marts_product_funnel_conversion_daily
-- (supabase/schemas/marts/product/aggregates/marts_product_funnel_conversion_daily.sql): one row per
-- funnel step per UTC day of first reaches, counting the users of the baseline's
-- marts_product_funnel_events (one row per user and step, reached_at its first reach) who did not opt
-- out of analytics (the former kpi_funnel_conversion's users reached, by day).
create table bench_full.marts_product_funnel_conversion_daily as
with reaches as (
    select (e.reached_at at time zone 'UTC')::date as reached_date, e.funnel_name, e.step_number, e.step_name, e.user_id
    from bench_full.marts_product_funnel_events as e
    where e.reached_at is not null and not e.analytics_opt_out
),
final as (
    select
        r.reached_date,
        r.funnel_name::varchar(50) as funnel_name,
        r.step_number::smallint as step_number,
        r.step_name::varchar(50) as step_name,
        count(distinct r.user_id)::integer as users_reached,
        now() as _dbt_loaded_at
    from reaches as r
    group by r.reached_date, r.funnel_name, r.step_number, r.step_name
)
select * from final;
