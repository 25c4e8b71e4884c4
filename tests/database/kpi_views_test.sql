-- Test: the KPI views count what they say — DAU, WAU and MAU over their windows, the auth funnel,
-- lifecycle movement — and analysts can read them (without opted-out users, whom the pre-aggregated
-- marts they read never count).
begin;
select plan(14);

-- Ann logs in today and 3 days ago (and fails once today), Bob 10 days ago, Cy 40 days ago;
-- Di logs in today but opted out of analytics.
create temporary table fixture as
select tests.create_user('ann@example.com') as ann, tests.create_user('bob@example.com') as bob,
       tests.create_user('cy@example.com') as cy, tests.create_user('di@example.com') as di;
grant select on fixture to public;
update public.users set created_at = now() - interval '100 days', last_login_at = null;
update public.users set analytics_opt_out = true where id = (select di from fixture);
select tests.create_auth_event(ann, 'login_success', current_date + interval '12 hours') from fixture;
select tests.create_auth_event(ann, 'login_failure', current_date + interval '11 hours') from fixture;
select tests.create_auth_event(ann, 'login_success', current_date - 3 + interval '12 hours') from fixture;
select tests.create_auth_event(bob, 'login_success', current_date - 10 + interval '12 hours') from fixture;
select tests.create_auth_event(cy, 'login_success', current_date - 40 + interval '12 hours') from fixture;
select tests.create_auth_event(di, 'login_success', current_date + interval '12 hours') from fixture;
insert into warehouse.pipeline_runs default values;
select warehouse.extract_source(source_name) from warehouse.sources;
select is(warehouse.transform_and_publish((select max(run_id) from warehouse.pipeline_runs)) ->> 'status', 'published', 'the fixture should publish');

set local role analyst_role;
select results_eq(
    $$select dau, wau, mau from marts.kpi_active_users where activity_date = current_date$$,
    $$values (1::bigint, 1::bigint, 2::bigint)$$,
    'today: DAU 1 (Ann), WAU 1 (Ann), MAU 2 (Ann, Bob) — Di opted out and is not counted');
select results_eq(
    $$select dau, wau, mau from marts.kpi_active_users where activity_date = current_date - 5$$,
    $$values (0::bigint, 1::bigint, 1::bigint)$$,
    '5 days ago: nobody logged in, Bob within the week, Bob within the month');
select results_eq(
    $$select dau, wau, mau from marts.kpi_active_users where activity_date = current_date - 11$$,
    $$values (0::bigint, 0::bigint, 1::bigint)$$,
    '11 days ago: only Cy (40 days ago) within the month');
select is((select stickiness from marts.kpi_active_users where activity_date = current_date), 0.5000, 'stickiness should be DAU / MAU');
select is((select count(*)::int from marts.kpi_active_users), 91, 'the view should cover the last 91 days');
select results_eq(
    $$select login_attempts, login_successes, login_failures, failure_rate from marts.kpi_auth_funnel
      where week = date_trunc('week', current_date)::date and auth_method = 'email'$$,
    $$select count(*) filter (where event_date >= date_trunc('week', current_date) and user_id <> (select di from fixture)),
             count(*) filter (where event_date >= date_trunc('week', current_date) and user_id <> (select di from fixture) and is_login_success),
             1::bigint,
             round(1.0 / count(*) filter (where event_date >= date_trunc('week', current_date) and user_id <> (select di from fixture)), 4)
      from marts.marts_core_auth_events$$,
    'the funnel should count this week''s attempts, successes and the one failure');
select is(
    (select sum(users)::int from marts.kpi_lifecycle_movement where from_stage = '(new)'), 3,
    'every (visible) user should enter the warehouse as one movement from (new)');
select is((select string_agg(lifecycle_stage || '=' || user_count, ',' order by lifecycle_stage) from marts.kpi_lifecycle_distribution), 'active=2,at_risk=1', 'the distribution should count Ann and Bob active, Cy at risk');
reset role;

-- Time moves Bob from active to at_risk: 20 days on, his last login is 30 days old. One transition, recorded once.
select set_config('warehouse.as_of_date', (current_date + 20)::text, true);
select warehouse.refresh_model('marts_core_dim_users', (select max(run_id) from warehouse.pipeline_runs), (select max(batch_id) from warehouse.extract_batches));
select results_eq(
    $$select from_stage::text, to_stage::text from marts.marts_core_lifecycle_transitions where user_id = (select bob from fixture) and from_stage is not null$$,
    $$values ('active', 'at_risk')$$,
    'a stage change with no new data should be recorded as a transition');
select warehouse.refresh_model('marts_core_dim_users', (select max(run_id) from warehouse.pipeline_runs), (select max(batch_id) from warehouse.extract_batches));
select is((select count(*)::int from marts.marts_core_lifecycle_transitions where user_id = (select bob from fixture)), 2,
    'a refresh with no change should record nothing more');
select ok(has_table_privilege('analyst_role', 'marts.pipeline_health', 'select'), 'analysts should read the pipeline health view');

-- The views read pre-aggregated marts, which count no user who opted out, whoever reads them.
set local role data_engineer_role;
select results_eq(
    $$select dau, wau, mau from marts.kpi_active_users where activity_date = current_date$$,
    $$values (1::bigint, 1::bigint, 2::bigint)$$,
    'a data engineer should get the same counts: the aggregate never counted Di');
reset role;
select results_eq(
    $$select dau, wau, mau from marts.marts_core_active_users_daily where activity_date = current_date$$,
    $$values (1, 1, 2)$$,
    'the pre-aggregated mart should hold today''s counts, computed once by the pipeline');

select * from finish();
rollback;
