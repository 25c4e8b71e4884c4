create view marts.published_users_by_email_domain
with (security_invoker = true)
as
with by_domain as (
    select d.email_domain, count(*) as user_count
    from marts.marts_core_dim_users as d
    where d.deleted_at is null
    group by d.email_domain
),
bucketed as (
    select
        case when b.user_count >= marts.k_anonymity_min_group() then b.email_domain else 'other' end as email_domain,
        b.user_count
    from by_domain as b
)
select b.email_domain, sum(b.user_count)::bigint as user_count
from bucketed as b
group by b.email_domain
having sum(b.user_count) >= marts.k_anonymity_min_group();

comment on view marts.published_users_by_email_domain is
    'Publishable: users per email domain. Grain: one row per domain with at least k users; smaller domains are pooled '
    'into "other", which is itself suppressed when smaller than k.';
comment on column marts.published_users_by_email_domain.email_domain is 'Email domain, or other for domains with fewer than k users.';
comment on column marts.published_users_by_email_domain.user_count is 'Users (not deleted) with that domain; at least k.';
