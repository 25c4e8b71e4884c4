create view marts.kpi_auth_funnel
with (security_invoker = true)
as
select
    date_trunc('week', e.event_date)::date as week,
    coalesce(e.auth_method, 'unknown') as auth_method,
    count(*) filter (where e.is_login_attempt) as login_attempts,
    count(*) filter (where e.is_login_success) as login_successes,
    count(*) filter (where e.is_login_failure) as login_failures,
    round((count(*) filter (where e.is_login_failure))::numeric / nullif(count(*) filter (where e.is_login_attempt), 0), 4) as failure_rate,
    count(*) filter (where e.is_token_refresh) as token_refreshes
from marts.marts_core_auth_events as e
where e.event_date >= date_trunc('week', current_date) - interval '12 weeks'
group by 1, 2;

comment on view marts.kpi_auth_funnel is
    'KPI: auth funnel. Grain: one row per week (last 12) per auth method: login attempts, successes, failures, failure '
    'rate, token refreshes.';
comment on column marts.kpi_auth_funnel.week is 'Monday of the week.';
comment on column marts.kpi_auth_funnel.auth_method is 'Sign-in method (unknown when not recorded).';
comment on column marts.kpi_auth_funnel.login_attempts is 'Logins attempted.';
comment on column marts.kpi_auth_funnel.login_successes is 'Logins that succeeded.';
comment on column marts.kpi_auth_funnel.login_failures is 'Logins that failed.';
comment on column marts.kpi_auth_funnel.failure_rate is 'Failures / attempts.';
comment on column marts.kpi_auth_funnel.token_refreshes is 'Session token refreshes.';
