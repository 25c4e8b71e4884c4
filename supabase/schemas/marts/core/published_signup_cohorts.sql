create view marts.published_signup_cohorts
with (security_invoker = true)
as
select s.signup_cohort, s.lifecycle_stage, s.user_count::bigint as user_count
from marts.marts_core_signup_cohort_stages as s
where s.user_count >= marts.k_anonymity_min_group();

comment on view marts.published_signup_cohorts is
    'Publishable: users per sign-up cohort and lifecycle stage. Grain: one row per cohort and stage with at least k users; '
    'smaller groups are suppressed. Reads the pre-aggregated mart marts_core_signup_cohort_stages (users who opted out are '
    'not counted).';
comment on column marts.published_signup_cohorts.signup_cohort is 'Sign-up cohort (2026-01-W4).';
comment on column marts.published_signup_cohorts.lifecycle_stage is 'Lifecycle stage today.';
comment on column marts.published_signup_cohorts.user_count is 'Users in the group; at least k.';
