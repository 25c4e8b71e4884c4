// End-to-end: synthetic data → npm run pipeline → the seed's three example queries, run verbatim as an
// analyst, equal an independent computation straight from the operational tables (without the users
// who opted out of analytics, whom analysts never see); then a 1% change touches only those users' rows.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { analystQuery, asAnalyst, connect, npmRun, npmRunOk } from "./helpers.ts";

let db: Throwaway;
let sql: ReturnType<typeof connect>;

before(async () => {
  db = await startThrowaway("marts-e2e", { synth: ["--users", "2000"] });
  sql = connect(db.url);
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
});

after(async () => {
  await sql?.end();
  db?.stop();
});

const num = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v instanceof Date ? v.toISOString().slice(0, 10) : v])));

test("seed query - daily active users of the last 7 days match the operational auth events", async () => {
  const mart = await asAnalyst<Record<string, unknown>>(sql, analystQuery("daily_active_users"));
  const expected = await sql`
    select (e.occurred_at at time zone 'UTC')::date as activity_date, count(distinct e.user_id) as dau
    from public.auth_events as e
    join public.users as u on u.id = e.user_id and not u.analytics_opt_out
    where e.event_type = 'login_success'
      and (e.occurred_at at time zone 'UTC')::date >= current_date - 7
    group by 1 order by 1`;
  assert.ok(expected.length >= 7, "the synthetic data should have logins on each of the last days");
  assert.deepEqual(num(mart), num(expected));
});

test("seed query - the lifecycle distribution matches the stage rules applied to the operational tables", async () => {
  const mart = await asAnalyst<Record<string, unknown>>(sql, analystQuery("lifecycle_distribution"));
  const expected = await sql`
    with last_login as (
        select u.id, u.created_at, u.deleted_at,
               greatest(u.last_login_at, (select max(e.occurred_at) from public.auth_events as e
                                          where e.user_id = u.id and e.event_type = 'login_success')) as last_login_at
        from public.users as u
    ),
    days as (
        select id, deleted_at,
               current_date - (created_at at time zone 'UTC')::date as since_signup,
               current_date - (coalesce(last_login_at, created_at) at time zone 'UTC')::date as since_login
        from last_login
        where id not in (select id from public.users where analytics_opt_out)
    ),
    staged as (
        select case when since_signup < 14 then 'new'
                    when since_login < 30 then 'active'
                    when since_login < 60 then 'at_risk'
                    else 'churned' end as lifecycle_stage
        from days where deleted_at is null
    )
    select lifecycle_stage, count(*) as user_count, round(100.0 * count(*) / sum(count(*)) over (), 2) as pct
    from staged group by 1`;
  const byStage = (rows: Record<string, unknown>[]) => num(rows).sort((a, b) => String(a.lifecycle_stage).localeCompare(String(b.lifecycle_stage)));
  assert.equal(expected.length, 4, "the synthetic data should have users in all four stages");
  assert.deepEqual(byStage(mart), byStage(expected));
});

test("seed query - auth method adoption matches the operational users", async () => {
  const mart = await asAnalyst<Record<string, unknown>>(sql, analystQuery("auth_method_adoption"));
  const expected = await sql`
    select preferred_auth_method, count(*) as user_count
    from public.users where deleted_at is null and not analytics_opt_out
    group by 1 order by 2 desc, 1`;
  const sorted = (rows: Record<string, unknown>[]) => num(rows).sort((a, b) => Number(b.user_count) - Number(a.user_count) || String(a.preferred_auth_method).localeCompare(String(b.preferred_auth_method)));
  assert.deepEqual(sorted(mart), sorted(expected));
});

test("pipeline - changing 1% of users touches only their staging and mart rows", async () => {
  await sql`
    update public.users set two_factor_enabled = not two_factor_enabled
    where id in (select id from public.users order by id limit 20)`;
  const res = npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  assert.match(res.stdout, /: succeeded/);
  const steps = await sql`
    select target, rows_in::int, rows_out::int from warehouse.pipeline_steps
    where run_id = (select max(run_id) from warehouse.pipeline_runs) and step_name in ('extract', 'model')
    order by target`;
  const byTarget = Object.fromEntries(steps.map((s) => [s.target, { in: s.rows_in, out: s.rows_out }]));
  // extraction reads the overlap window again (rows_in may include versions raw already has) but writes 20
  assert.equal(byTarget.supabase_users.out, 20);
  assert.deepEqual(byTarget.stg_supabase_users, { in: 20, out: 20 });
  assert.deepEqual(byTarget.marts_core_dim_users, { in: 20, out: 20 });
  assert.deepEqual(byTarget.stg_supabase_sessions, { in: 0, out: 0 });
  assert.deepEqual(byTarget.marts_core_user_activity_daily, { in: 0, out: 0 });
  assert.deepEqual(byTarget.marts_core_auth_events, { in: 0, out: 0 });
});

test("pipeline - a duplicate key fails the run, names the test, and analysts keep the last good marts", async () => {
  const before = await asAnalyst<{ n: number }>(sql, "select count(*)::int as n from marts_core_dim_users");
  await sql`insert into public.users (email) values ('twin@example.com'), ('Twin@Example.com')`;
  const res = npmRun("pipeline", [], { DATABASE_URL: db.url });
  assert.equal(res.code, 1, "a failed run should exit non-zero");
  assert.match(res.stdout, /failed.*stg_supabase_users__email_hash__unique/);
  const after = await asAnalyst<{ n: number }>(sql, "select count(*)::int as n from marts_core_dim_users");
  assert.deepEqual(after, before);
  await sql`delete from public.users where lower(email) = 'twin@example.com'`;
});

test("pipeline - a full refresh rebuilds staging and marts from raw with the same result", async () => {
  const snapshot = async () => asAnalyst(sql, `
    select (select md5(string_agg(t::text, ',' order by user_id)) from (select user_id, lifecycle_stage, signup_cohort, first_login_at, last_login_at from marts_core_dim_users) t) as dim,
           (select md5(string_agg(t::text, ',' order by activity_date, user_id)) from (select activity_date, user_id, login_count, session_count, engagement_score from marts_core_user_activity_daily) t) as activity`);
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  const incremental = await snapshot();
  npmRunOk("pipeline", ["--full-refresh"], { DATABASE_URL: db.url });
  assert.deepEqual(await snapshot(), incremental);
});
