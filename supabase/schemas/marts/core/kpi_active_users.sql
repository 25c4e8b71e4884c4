-- KPI views for the seed's initial dashboard (DAU, MAU, retention) and the analyst's first questions:
-- active users and stickiness, weekly sign-up cohort retention, the auth funnel, lifecycle movement.
-- Views run with the invoker's rights (security_invoker), so row-level security applies to them:
-- analysts never count users who opted out. Metrics are calculated once, not per query: a view that
-- would count users over history reads a pre-aggregated mart (marts/<domain>/aggregates/), which the
-- pipeline keeps up to date incrementally and which counts only users who did not opt out.

-- KPI views
create view marts.kpi_active_users
with (security_invoker = true)
as
with days as (
    select g::date as activity_date from generate_series(current_date - 90, current_date, interval '1 day') as g
)
select
    d.activity_date,
    coalesce(a.dau, 0)::bigint as dau,
    coalesce(a.wau, 0)::bigint as wau,
    coalesce(a.mau, 0)::bigint as mau,
    round(coalesce(a.dau, 0)::numeric / nullif(a.mau, 0), 4) as stickiness
from days as d
left join marts.marts_core_active_users_daily as a on a.activity_date = d.activity_date;

comment on view marts.kpi_active_users is
    'KPI: daily, weekly and monthly active users and stickiness. Grain: one row per day of the last 91 days. Active = '
    'logged in (login_count > 0, as the seed''s DAU query) that day / in the 7 / 30 days ending that day. Reads the '
    'pre-aggregated mart marts_core_active_users_daily (users who opted out are not counted).';
comment on column marts.kpi_active_users.activity_date is 'The day.';
comment on column marts.kpi_active_users.dau is 'Users who logged in that day.';
comment on column marts.kpi_active_users.wau is 'Users who logged in in the 7 days ending that day.';
comment on column marts.kpi_active_users.mau is 'Users who logged in in the 30 days ending that day.';
comment on column marts.kpi_active_users.stickiness is 'DAU / MAU.';
