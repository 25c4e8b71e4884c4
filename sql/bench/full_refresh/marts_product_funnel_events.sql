-- Full-refresh baseline of marts.marts_product_funnel_events (supabase/schemas/marts/product/marts_product_funnel_events.sql):
-- one row per funnel step per user: when it was first reached, the previous step (by number) and
-- whether the next one was reached.
create table bench_full.marts_product_funnel_events as
with steps as (
    select e.user_id, e.funnel_name, e.funnel_step as step_name, min(e.step_number) as step_number,
           min(e.occurred_at) as reached_at
    from bench_full.stg_supabase_product_events as e
    where e.event_name = 'funnel_step' and e.user_id is not null and e.funnel_name is not null
      and e.funnel_step is not null and e.step_number is not null and e.occurred_at is not null
    group by e.user_id, e.funnel_name, e.funnel_step
),
by_number as (
    select s.user_id, s.funnel_name, s.step_number, min(s.reached_at) as reached_at
    from steps as s
    group by s.user_id, s.funnel_name, s.step_number
),
neighbours as (
    select
        b.user_id,
        b.funnel_name,
        b.step_number,
        case when lag(b.step_number) over w = b.step_number - 1 then lag(b.reached_at) over w end as previous_step_reached_at,
        coalesce(lead(b.step_number) over w = b.step_number + 1, false) as converted_to_next
    from by_number as b
    window w as (partition by b.user_id, b.funnel_name order by b.step_number)
),
final as (
    select
        s.user_id,
        s.funnel_name,
        s.step_name,
        s.step_number,
        s.reached_at,
        n.previous_step_reached_at,
        extract(epoch from s.reached_at - n.previous_step_reached_at)::bigint as seconds_from_previous_step,
        n.converted_to_next,
        coalesce(u.analytics_opt_out, false) as analytics_opt_out,
        now() as _dbt_loaded_at
    from steps as s
    join neighbours as n on n.user_id = s.user_id and n.funnel_name = s.funnel_name and n.step_number = s.step_number
    left join bench_full.stg_supabase_users as u on u.user_id = s.user_id
)
select * from final;
