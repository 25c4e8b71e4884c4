// End-to-end: pg_cron really runs the pipeline, and cron.job_run_details and the pipeline's own run
// log agree on what ran (warehouse.scheduled_runs).
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { connect } from "./helpers.ts";

let db: Throwaway;
let sql: ReturnType<typeof connect>;

before(async () => {
  db = await startThrowaway("cron-e2e", { synth: ["--users", "200"] });
  sql = connect(db.url);
});

after(async () => {
  await sql?.end();
  db?.stop();
});

test("cron - a scheduled pipeline job runs, and pg_cron's log and the run log agree", { timeout: 150_000 }, async () => {
  // The daily job's command, on a schedule the test can wait for (pg_cron's finest is one minute).
  const [daily] = await sql`select command from cron.job where jobname = 'petforce-warehouse-daily-pipeline'`;
  const [{ jobid }] = await sql`select cron.schedule('petforce-warehouse-e2e-every-minute', '* * * * *', ${daily.command}) as jobid`;
  let rows: Record<string, unknown>[] = [];
  for (let i = 0; i < 120; i++) {
    rows = await sql`
      select cron_status, run_id, run_status, origin from warehouse.scheduled_runs
      where jobname = 'petforce-warehouse-e2e-every-minute' and cron_status = 'succeeded'`;
    if (rows.length > 0) break;
    await sleep(1000);
  }
  assert.ok(rows.length >= 1, "pg_cron should have run the job within two minutes");
  assert.ok(rows[0].run_id, "the cron run should match a pipeline run");
  assert.equal(rows[0].run_status, "succeeded");
  assert.equal(rows[0].origin, "pg_cron");
  // Stop the job and let any execution in flight finish, then compare the two logs.
  await sql`select cron.unschedule(${jobid}::bigint)`;
  for (let i = 0; i < 120; i++) {
    const [busy] = await sql`
      select count(*)::int as n from cron.job_run_details where jobid = ${jobid} and status in ('starting', 'running')`;
    if (busy.n === 0) break;
    await sleep(1000);
  }
  const [counts] = await sql`
    select
        (select count(*)::int from cron.job_run_details where jobid = ${jobid} and status = 'succeeded') as cron_runs,
        (select count(*)::int from warehouse.pipeline_runs where origin = 'pg_cron') as pipeline_runs`;
  assert.equal(counts.pipeline_runs, counts.cron_runs, "every cron execution should be one pipeline run");
  const [staged] = await sql`select count(*)::int as n from staging.stg_supabase_users`;
  assert.equal(staged.n, 200, "the scheduled run should have published the users");
});
