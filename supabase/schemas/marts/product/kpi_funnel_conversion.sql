create view marts.kpi_funnel_conversion
with (security_invoker = true)
as
with steps as (
    select d.funnel_name, d.step_number, d.step_name, sum(d.users_reached) as users_reached
    from marts.marts_product_funnel_conversion_daily as d
    group by d.funnel_name, d.step_number, d.step_name
),
final as (
    select
        s.funnel_name,
        s.step_number,
        s.step_name,
        s.users_reached::bigint as users_reached,
        p.users_reached::bigint as users_previous_step,
        round(s.users_reached::numeric / nullif(p.users_reached, 0), 4) as conversion_from_previous,
        (p.users_reached - s.users_reached)::bigint as drop_off_from_previous,
        round(1 - s.users_reached::numeric / nullif(p.users_reached, 0), 4) as drop_off_rate_from_previous,
        round(s.users_reached::numeric / nullif(f.users_reached, 0), 4) as overall_conversion
    from steps as s
    left join steps as p on p.funnel_name = s.funnel_name and p.step_number = s.step_number - 1
    left join steps as f on f.funnel_name = s.funnel_name and f.step_number = 1
)
select * from final;

comment on view marts.kpi_funnel_conversion is
    'KPI: funnel conversion, all time. Grain: one row per funnel per step: users reaching it, conversion and drop-off '
    'from the previous step, overall conversion from step 1. Reads the pre-aggregated mart '
    'marts_product_funnel_conversion_daily (users who opted out are not counted).';
comment on column marts.kpi_funnel_conversion.funnel_name is 'The funnel.';
comment on column marts.kpi_funnel_conversion.step_number is 'The step''s position, from 1.';
comment on column marts.kpi_funnel_conversion.step_name is 'The step.';
comment on column marts.kpi_funnel_conversion.users_reached is 'Users who reached the step.';
comment on column marts.kpi_funnel_conversion.users_previous_step is 'Users who reached the previous step; NULL for step 1.';
comment on column marts.kpi_funnel_conversion.conversion_from_previous is 'users_reached / users_previous_step.';
comment on column marts.kpi_funnel_conversion.drop_off_from_previous is 'users_previous_step - users_reached.';
comment on column marts.kpi_funnel_conversion.drop_off_rate_from_previous is '1 - conversion_from_previous.';
comment on column marts.kpi_funnel_conversion.overall_conversion is 'users_reached / users who reached step 1.';
