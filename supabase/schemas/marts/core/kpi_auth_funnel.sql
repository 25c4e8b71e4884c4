create view marts.kpi_auth_funnel
with (security_invoker = true)
as
select
    date_trunc('week', a.event_date)::date as week,
    a.auth_method::varchar as auth_method,
    sum(a.login_attempts)::bigint as login_attempts,
    sum(a.login_successes)::bigint as login_successes,
    sum(a.login_failures)::bigint as login_failures,
    round(sum(a.login_failures)::numeric / nullif(sum(a.login_attempts), 0), 4) as failure_rate,
    sum(a.token_refreshes)::bigint as token_refreshes
from marts.marts_core_auth_funnel_daily as a
where a.event_date >= date_trunc('week', current_date) - interval '12 weeks'
group by 1, 2;

comment on view marts.kpi_auth_funnel is
    'KPI: auth funnel. Grain: one row per week (last 12) per auth method: login attempts, successes, failures, failure '
    'rate, token refreshes. Reads the pre-aggregated mart marts_core_auth_funnel_daily (users who opted out are not counted).';
comment on column marts.kpi_auth_funnel.week is 'Monday of the week.';
comment on column marts.kpi_auth_funnel.auth_method is 'Sign-in method (unknown when not recorded).';
comment on column marts.kpi_auth_funnel.login_attempts is 'Logins attempted.';
comment on column marts.kpi_auth_funnel.login_successes is 'Logins that succeeded.';
comment on column marts.kpi_auth_funnel.login_failures is 'Logins that failed.';
comment on column marts.kpi_auth_funnel.failure_rate is 'Failures / attempts.';
comment on column marts.kpi_auth_funnel.token_refreshes is 'Session token refreshes.';
