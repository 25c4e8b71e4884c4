// End-to-end: synthetic data (with its product events) → npm run pipeline → the product marts and KPI
// views, read as an analyst, equal an independent computation straight from public.product_events,
// public.auth_events and public.users (without the users who opted out of analytics).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { asAnalyst, connect, npmRunOk } from "./helpers.ts";

let db: Throwaway;
let sql: ReturnType<typeof connect>;

before(async () => {
  db = await startThrowaway("product-e2e", { synth: ["--users", "1500"] });
  sql = connect(db.url);
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
});

after(async () => {
  await sql?.end();
  db?.stop();
});

type Row = Record<string, unknown>;
/** Rows as sorted lines of text, so that two computations compare regardless of order and driver types. */
const lines = (rows: Row[]) => rows.map((r) => JSON.stringify(Object.values(r).map((v) => (v === null ? null : String(v))))).sort();

test("pipeline - the synthetic data has product events and the run succeeded", async () => {
  const [run] = await sql`select status from warehouse.pipeline_runs order by run_id desc limit 1`;
  assert.equal(run.status, "succeeded");
  const [counts] = await sql`
    select count(*) filter (where event_name = 'feature_used')::int as features,
           count(*) filter (where event_name = 'funnel_step')::int as steps
    from public.product_events`;
  assert.ok(counts.features > 1000, "there should be feature uses");
  assert.ok(counts.steps >= 1500, "every user should have at least the signup step");
});

test("feature usage mart - as an analyst, equals the feature_used events per feature per user per day", async () => {
  const mart = await asAnalyst<Row>(sql, `
    select usage_date::text, user_id::text, feature_name, usage_count, time_spent_seconds,
           extract(epoch from first_used_at)::bigint as first_used, is_first_use_ever
    from marts_product_feature_usage`);
  const expected = await sql`
    with days as (
        select (e.occurred_at at time zone 'UTC')::date as usage_date, e.user_id, e.feature_name,
               count(*) as usage_count, coalesce(sum(e.duration_seconds), 0) as time_spent_seconds,
               min(e.occurred_at) as first_used_at
        from public.product_events as e
        join public.users as u on u.id = e.user_id and not u.analytics_opt_out
        where e.event_name = 'feature_used'
        group by 1, 2, 3
    )
    select usage_date::text, user_id::text, feature_name, usage_count, time_spent_seconds,
           extract(epoch from first_used_at)::bigint as first_used,
           usage_date = min(usage_date) over (partition by user_id, feature_name) as is_first_use_ever
    from days`;
  assert.ok(expected.length > 1000, "the synthetic data should have many user-feature-days");
  assert.deepEqual(lines(mart), lines(expected));
});

test("funnel events mart - as an analyst, equals each user's first reach of each funnel step", async () => {
  const mart = await asAnalyst<Row>(sql, `
    select user_id::text, funnel_name, step_name, step_number, extract(epoch from reached_at)::bigint as reached,
           extract(epoch from previous_step_reached_at)::bigint as previous, seconds_from_previous_step, converted_to_next
    from marts_product_funnel_events`);
  const expected = await sql`
    with steps as (
        select e.user_id, e.funnel_name, e.funnel_step as step_name, min(e.step_number) as step_number,
               min(e.occurred_at) as reached_at
        from public.product_events as e
        join public.users as u on u.id = e.user_id and not u.analytics_opt_out
        where e.event_name = 'funnel_step'
        group by 1, 2, 3
    )
    select s.user_id::text, s.funnel_name, s.step_name, s.step_number, extract(epoch from s.reached_at)::bigint as reached,
           extract(epoch from p.reached_at)::bigint as previous,
           extract(epoch from s.reached_at - p.reached_at)::bigint as seconds_from_previous_step,
           n.user_id is not null as converted_to_next
    from steps as s
    left join steps as p on p.user_id = s.user_id and p.funnel_name = s.funnel_name and p.step_number = s.step_number - 1
    left join steps as n on n.user_id = s.user_id and n.funnel_name = s.funnel_name and n.step_number = s.step_number + 1`;
  assert.ok(expected.length >= 1500, "every visible user should have funnel steps");
  assert.deepEqual(lines(mart), lines(expected));
  const [negative] = await sql`select count(*)::int as n from marts.marts_product_funnel_events where seconds_from_previous_step < 0`;
  assert.equal(negative.n, 0, "no step should be reached before its previous step");
});

test("kpi_feature_adoption - as an analyst, equals the last 30 days of feature use over active users", async () => {
  const view = await asAnalyst<Row>(sql, `
    select feature_name, users_last_30_days, active_users_last_30_days, adoption_rate, total_usage,
           total_time_spent_seconds, avg_seconds_per_use, avg_seconds_per_user
    from kpi_feature_adoption`);
  const expected = await sql`
    with visible as (select id from public.users where not analytics_opt_out),
    uses as (
        select e.user_id, e.feature_name, e.duration_seconds
        from public.product_events as e
        where e.event_name = 'feature_used' and e.user_id in (select id from visible)
          and (e.occurred_at at time zone 'UTC')::date > current_date - 30
    ),
    first_steps as (
        select e.user_id, min(e.occurred_at) as reached_at
        from public.product_events as e
        where e.event_name = 'funnel_step' and e.user_id in (select id from visible)
        group by e.user_id, e.funnel_name, e.funnel_step
    ),
    active as (
        select user_id from uses
        union
        select user_id from first_steps where (reached_at at time zone 'UTC')::date > current_date - 30
        union
        select a.user_id from public.auth_events as a
        where a.event_type = 'login_success' and a.user_id in (select id from visible)
          and (a.occurred_at at time zone 'UTC')::date > current_date - 30
    ),
    n as (select count(*) as active_users from active)
    select u.feature_name, count(distinct u.user_id) as users_last_30_days, n.active_users as active_users_last_30_days,
           round(count(distinct u.user_id)::numeric / n.active_users, 4) as adoption_rate,
           count(*) as total_usage, sum(u.duration_seconds) as total_time_spent_seconds,
           round(sum(u.duration_seconds)::numeric / count(*), 1) as avg_seconds_per_use,
           round(sum(u.duration_seconds)::numeric / count(distinct u.user_id), 1) as avg_seconds_per_user
    from uses as u cross join n
    group by u.feature_name, n.active_users`;
  assert.equal(expected.length, 8, "all eight features should have been used in the last 30 days");
  assert.deepEqual(lines(view), lines(expected));
});

test("kpi_funnel_conversion - as an analyst, equals users per step and their conversion", async () => {
  const view = await asAnalyst<Row>(sql, `
    select funnel_name, step_number, step_name, users_reached, users_previous_step, conversion_from_previous,
           drop_off_from_previous, drop_off_rate_from_previous, overall_conversion
    from kpi_funnel_conversion`);
  const expected = await sql`
    with steps as (
        select e.funnel_name, e.step_number, e.funnel_step as step_name, count(distinct e.user_id) as users
        from public.product_events as e
        join public.users as u on u.id = e.user_id and not u.analytics_opt_out
        where e.event_name = 'funnel_step'
        group by 1, 2, 3
    )
    select s.funnel_name, s.step_number, s.step_name, s.users as users_reached, p.users as users_previous_step,
           round(s.users::numeric / p.users, 4) as conversion_from_previous, p.users - s.users as drop_off_from_previous,
           round(1 - s.users::numeric / p.users, 4) as drop_off_rate_from_previous,
           round(s.users::numeric / f.users, 4) as overall_conversion
    from steps as s
    left join steps as p on p.funnel_name = s.funnel_name and p.step_number = s.step_number - 1
    join steps as f on f.funnel_name = s.funnel_name and f.step_number = 1`;
  assert.equal(expected.length, 7, "both funnels should have all their steps");
  assert.deepEqual(lines(view), lines(expected));
  const onboarding = expected.filter((r) => r.funnel_name === "onboarding").sort((a, b) => a.step_number - b.step_number);
  assert.ok(onboarding.every((r, i) => i === 0 || Number(r.users_reached) <= Number(onboarding[i - 1].users_reached)),
    "onboarding should lose users at every step");
});
