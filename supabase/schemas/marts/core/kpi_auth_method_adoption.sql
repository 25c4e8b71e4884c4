create view marts.kpi_auth_method_adoption
with (security_invoker = true)
as
select d.preferred_auth_method, count(*)::bigint as user_count
from marts.marts_core_dim_users as d
where d.deleted_at is null
group by d.preferred_auth_method;

comment on view marts.kpi_auth_method_adoption is 'KPI: users per preferred sign-in method (the seed''s example query). Grain: one row per method.';
comment on column marts.kpi_auth_method_adoption.preferred_auth_method is 'Method.';
comment on column marts.kpi_auth_method_adoption.user_count is 'Users (not deleted) preferring it.';
