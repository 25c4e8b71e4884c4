// End-to-end: `npm start` does the whole job on a machine with no cluster yet, and a second `npm start`
// reuses the cluster and data and runs the pipeline incrementally.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { projectRoot } from "../../scripts/lib/config.ts";
import { freePort } from "../../scripts/lib/throwaway.ts";
import { connect, npmRun, npmRunOk } from "./helpers.ts";

const dir = path.join(projectRoot, ".local", "throwaway", `start-e2e-${process.pid}`);
let env: Record<string, string>;

before(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  env = { WAREHOUSE_LOCAL_DIR: dir, PGPORT: String(await freePort()) };
});

after(() => {
  npmRun("local:down", [], env);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("npm start - on a fresh machine it builds the warehouse and prints the summary", () => {
  const out = npmRunOk("start", ["--users", "1000"], env).stdout;
  for (const n of [1, 2, 3, 4, 5, 6]) assert.match(out, new RegExp(`\\[${n}/6\\]`), `step ${n} should show progress`);
  assert.match(out, /creating a PostgreSQL 15 cluster/);
  assert.match(out, /synth: 1000 users/);
  assert.match(out, /run 1: succeeded/);
  assert.match(out, /Quality tests: (\d+) of \1 passed/);
  assert.match(out, /Rows per layer: raw [\d,]+ · staging [\d,]+ · marts [\d,]+/);
  assert.match(out, /Daily active users, last 7 days/);
  assert.match(out, /Lifecycle distribution/);
  assert.match(out, /Authentication method adoption/);
  assert.match(out, /SLACK_WEBHOOK_URL is not set; the message Slack would get/);
  assert.match(out, new RegExp(`Connect: psql 'postgresql://postgres:postgres@127\\.0\\.0\\.1:${env.PGPORT}/postgres`));
  assert.match(out, /Stop it: npm run local:down/);
});

test("npm start - a second run reuses the cluster and data and runs incrementally", async () => {
  const out = npmRunOk("start", [], env).stdout;
  assert.doesNotMatch(out, /creating a PostgreSQL 15 cluster/);
  assert.match(out, /already up to date/);
  assert.match(out, /kept the 1,000 users already there/);
  assert.match(out, /run 2: succeeded/);
  const sql = connect(`postgresql://postgres:postgres@127.0.0.1:${env.PGPORT}/postgres`);
  try {
    const steps = await sql`
      select target, rows_out::int from warehouse.pipeline_steps where run_id = 2 and step_name in ('extract', 'model')`;
    assert.ok(steps.length >= 9);
    for (const s of steps) assert.equal(s.rows_out, 0, `${s.target} should write nothing when nothing changed`);
  } finally {
    await sql.end();
  }
});
