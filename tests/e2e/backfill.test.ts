// End-to-end: a first load and a full refresh are backfills in committed steps. A run out of time ends
// partial and the next continues without redoing a step; a run killed in the middle of a step resumes
// at that step; analysts see an empty warehouse until the last step publishes; a failing test blocks
// it until a later run passes every test; and the result equals the warehouse before the rebuild.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { projectRoot } from "../../scripts/lib/config.ts";
import { startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { connect, npmRun, npmRunOk, show } from "./helpers.ts";

let db: Throwaway;
let sql: ReturnType<typeof connect>;

before(async () => {
  db = await startThrowaway("backfill-e2e", { synth: ["--users", "300"] });
  sql = connect(db.url);
});

after(async () => {
  await sql?.end();
  db?.stop();
});

/** An ordered checksum of every staging and mart table (metadata columns, named _*, left out). */
async function checksums(): Promise<Record<string, string>> {
  const statements = await sql`
    select c.table_schema || '.' || c.table_name as name,
           format('select count(*) || '' '' || md5(coalesce(string_agg(r::text, E''\\n'' order by r::text), '''')) as sum from (select %s from %I.%I) as r',
                  string_agg(quote_ident(c.column_name), ', ' order by c.ordinal_position), c.table_schema, c.table_name) as query
    from information_schema.columns as c
    join pg_catalog.pg_class as k on k.relname = c.table_name and k.relnamespace = c.table_schema::regnamespace and k.relkind in ('r', 'p')
    where c.table_schema in ('staging', 'marts') and c.column_name not like '\\_%'
    group by c.table_schema, c.table_name`;
  const out: Record<string, string> = {};
  for (const s of statements) out[s.name] = (await sql.unsafe(s.query))[0].sum;
  return out;
}

const analystRows = async () => {
  const [r] = await sql.begin(async (tx) => {
    await tx`set local role analyst_role`;
    return tx`select (select count(*) from marts.marts_core_dim_users)::int as users,
                     (select count(*) from marts.marts_core_user_activity_daily)::int as days`;
  });
  return r as { users: number; days: number };
};

const steps = (backfillId: number) => sql`
  select step_no, step_kind, target, status, run_id from warehouse.backfill_steps where backfill_id = ${backfillId} order by step_no`;

test("first load - a run out of time ends partial after one step; the next continues it and publishes", async () => {
  const [first] = await sql`call warehouse.run_pipeline(false, null, '0 seconds')`;
  const [run1] = await sql`select status from warehouse.pipeline_runs where run_id = ${first.p_run_id}`;
  assert.equal(run1.status, "partial");
  const [backfill] = await sql`select backfill_id, reason, status from warehouse.backfills`;
  assert.deepEqual({ reason: backfill.reason, status: backfill.status }, { reason: "initial", status: "running" });
  const afterOne = await steps(backfill.backfill_id);
  assert.deepEqual(afterOne.filter((s) => s.status === "succeeded").map((s) => s.step_kind), ["extract"], "one step, then out of time");
  assert.deepEqual(await analystRows(), { users: 0, days: 0 }, "analysts see an empty warehouse while the first load is unfinished");
  const [job] = await sql`select schedule, command from cron.job where jobname = 'petforce-warehouse-backfill'`;
  assert.deepEqual({ ...job }, { schedule: "*/10 * * * *", command: "call warehouse.run_pipeline()" });

  const [second] = await sql`call warehouse.run_pipeline()`;
  const [run2] = await sql`select status from warehouse.pipeline_runs where run_id = ${second.p_run_id}`;
  assert.equal(run2.status, "succeeded");
  const done = await steps(backfill.backfill_id);
  assert.ok(done.every((s) => s.status === "succeeded"), "every step done");
  assert.equal(done[0].run_id, first.p_run_id, "the first step was not redone");
  assert.ok(done.slice(1).every((s) => s.run_id === second.p_run_id), "the second run did the rest");
  const phases = done.map((s) => s.step_kind === "test" ? `test ${s.target}` : s.step_kind).filter((k, i, a) => i === 0 || a[i - 1] !== k);
  assert.deepEqual(phases, ["extract", "model", "test staging", "model", "test marts", "publish"]);
  const seen = await analystRows();
  assert.ok(seen.users > 0 && seen.days > 0, "published: analysts see the marts");
  const [{ jobs }] = await sql`select count(*)::int as jobs from cron.job where jobname = 'petforce-warehouse-backfill'`;
  assert.equal(jobs, 0, "the continuation job is removed once the backfill is done");
});

test("full refresh - a run killed in the middle of a step resumes at that step, and the rebuild equals the warehouse before", async () => {
  const before = await checksums();
  // Hold a lock on a mart so that the rebuild waits inside its step, then kill the run there.
  const blocker = connect(db.url);
  const held = blocker.reserve();
  const lock = await held;
  await lock`begin`;
  await lock`lock table marts.marts_core_user_activity_daily in access share mode`;
  const child = spawn("npm", ["run", "-s", "warehouse", "--", "backfill", "--full-refresh"], {
    cwd: projectRoot, env: { ...process.env, DATABASE_URL: db.url }, stdio: "ignore",
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let waiting = false;
  for (let i = 0; i < 600 && !waiting; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const [w] = await sql`
      select count(*)::int as n from pg_stat_activity
      where application_name = 'warehouse-cli' and wait_event_type = 'Lock'`;
    waiting = w.n > 0;
  }
  assert.ok(waiting, "the rebuild should reach the locked mart and wait");
  await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'warehouse-cli'`;
  assert.notEqual(await exited, 0, "the killed backfill command should fail");
  await lock`rollback`;
  lock.release();
  await blocker.end();

  const [backfill] = await sql`select backfill_id, status from warehouse.backfills where reason = 'full_refresh'`;
  assert.equal(backfill.status, "running");
  const killed = await steps(backfill.backfill_id);
  const pending = killed.filter((s) => s.status === "pending");
  assert.equal(pending[0].target, "marts_core_user_activity_daily", "the killed step is the first one pending");
  assert.deepEqual(await analystRows(), { users: 0, days: 0 }, "analysts see an empty warehouse during the full refresh");

  const resumed = npmRunOk("warehouse", ["backfill"], { DATABASE_URL: db.url });
  assert.match(resumed.stderr, /backfill \d+ \(full_refresh\) \[#{20}\] 100% .* done/, `a progress bar that ends done:\n${show(resumed)}`);
  const after = await steps(backfill.backfill_id);
  for (const s of killed.filter((k) => k.status === "succeeded")) {
    assert.equal(after.find((a) => a.step_no === s.step_no)!.run_id, s.run_id, `${s.step_kind} ${s.target} was not redone`);
  }
  assert.ok(after.every((s) => s.status === "succeeded"));
  assert.deepEqual(await checksums(), before, "every staging and mart table equals what it was before the rebuild");
  assert.ok((await analystRows()).users > 0, "published again");
});

test("full refresh - a failing error-severity test blocks it: nothing is published until a run passes every test", async () => {
  const [s] = await sql`select id from public.sessions order by id limit 1`;
  await sql`update public.sessions set api_calls_count = -3, updated_at = now() where id = ${s.id}`;
  const blocked = npmRun("warehouse", ["backfill", "--full-refresh"], { DATABASE_URL: db.url });
  assert.equal(blocked.code, 1, show(blocked));
  const [b] = await sql`select status from warehouse.backfills order by backfill_id desc limit 1`;
  assert.equal(b.status, "blocked");
  const [run] = await sql`select status, error from warehouse.pipeline_runs order by run_id desc limit 1`;
  assert.equal(run.status, "failed");
  assert.match(run.error, /quality gate: .*stg_supabase_sessions__no_negative_metrics/);
  assert.deepEqual(await analystRows(), { users: 0, days: 0 }, "a blocked backfill publishes nothing");

  await sql`update public.sessions set api_calls_count = 3, updated_at = now() where id = ${s.id}`;
  const fixed = npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  assert.match(fixed.stdout, /^run \d+: succeeded/, show(fixed));
  const [scopes] = await sql`
    select count(*) filter (where scope = 'changed')::int as changed, count(*)::int as total
    from warehouse.quality_test_results where run_id = (select max(run_id) from warehouse.pipeline_runs)`;
  assert.equal(scopes.changed, 0, "after a blocked backfill every test checks all rows");
  const [after] = await sql`select status from warehouse.backfills order by backfill_id desc limit 1`;
  assert.equal(after.status, "succeeded");
  assert.ok((await analystRows()).users > 0, "published once every test passed");
});

test("progress - npm run pipeline prints each step on stderr as it finishes, the run on stdout", () => {
  const r = npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  assert.match(r.stderr, /^ {2}extract +supabase_users +succeeded rows in \d+, out \d+ \(\d+\.\d\ds\)$/m, show(r));
  assert.match(r.stderr, /^ {2}test +marts +succeeded/m);
  assert.match(r.stdout, /^run \d+: succeeded/);
});
