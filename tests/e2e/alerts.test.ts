// End-to-end: pipeline runs enqueue alerts, the warehouse-alerts function (served locally with Deno by
// the project's own scripts) drains them into a real HTTP receiver standing in for Slack, and a
// receiver that is down or failing leaves the alert pending, with its attempts and error recorded,
// until a later drain delivers it exactly once.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { projectRoot } from "../../scripts/lib/config.ts";
import { type FunctionsServer, startFunctions } from "../../scripts/lib/functions.ts";
import { freePort, startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { connect, npmRun, npmRunOk } from "./helpers.ts";

const FAILING_TEST = "stg_supabase_users__email_hash__unique";

interface Received {
  body: { text: string; blocks: unknown[] };
  answered: number;
}

/** A stand-in for Slack's incoming webhook on 127.0.0.1: records every POST; can fail (500) or go down. */
class Receiver {
  received: Received[] = [];
  answer = 200;
  port = 0;
  private server: http.Server | null = null;

  get url() {
    return `http://127.0.0.1:${this.port}/services/T000/B000/e2e-webhook-secret`;
  }

  /** Messages Slack accepted (answered 2xx). */
  get accepted() {
    return this.received.filter((r) => r.answered < 300);
  }

  async open(): Promise<void> {
    const server = http.createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        if (req.method === "POST") this.received.push({ body: JSON.parse(raw), answered: this.answer });
        res.writeHead(this.answer, { "content-type": "text/plain" });
        res.end(this.answer < 300 ? "ok" : "internal_error");
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** `npm run invoke -- <name>` without blocking this process (the receiver answers from its event loop). */
function invoke(name: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.FUNCTIONS_URL;
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "-s", "invoke", "--", name], { cwd: projectRoot, env: childEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

let db: Throwaway;
let sql: ReturnType<typeof connect>;
let functions: FunctionsServer | undefined;
const receiver = new Receiver();
const secret = randomBytes(24).toString("hex");
let invokeEnv: Record<string, string>;

/** Drains the outbox through the function and returns its counts. */
async function drain(): Promise<{ claimed: number; delivered: number; failed: number; posted: boolean }> {
  const res = await invoke("warehouse-alerts", invokeEnv);
  assert.equal(res.code, 0, `npm run invoke should succeed:\n${res.stdout}\n${res.stderr}`);
  return JSON.parse(res.stdout);
}

const outboxRow = async (runId: number) => {
  const [row] = await sql`
    select status, attempts, last_error, delivered_at, next_attempt_at > now() as backing_off
    from warehouse.alert_outbox where run_id = ${runId}`;
  return row;
};

before(async () => {
  db = await startThrowaway("alerts-e2e", { synth: ["--users", "300"] });
  sql = connect(db.url);
  await receiver.open();
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  const port = await freePort(56400);
  functions = await startFunctions({
    port,
    env: { SUPABASE_DB_URL: db.url, WAREHOUSE_FUNCTION_SECRET: secret, SLACK_WEBHOOK_URL: receiver.url },
  });
  invokeEnv = { FUNCTIONS_PORT: String(port), WAREHOUSE_FUNCTION_SECRET: secret };
});

after(async () => {
  await functions?.stop();
  await receiver.close();
  await sql?.end();
  db?.stop();
});

test("alerts - a successful run is announced once, with its summary", async () => {
  const runs = await sql`select run_id::int, status from warehouse.pipeline_runs order by run_id`;
  assert.deepEqual(runs.map((r) => r.status), ["succeeded"]);
  const runId = runs[0].run_id;
  assert.deepEqual(await drain(), { claimed: 1, delivered: 1, failed: 0, posted: true });
  assert.equal(receiver.received.length, 1);
  const [{ body }] = receiver.received;
  assert.match(body.text, new RegExp(`^Warehouse run ${runId} succeeded`));
  const [{ n }] = await sql`select count(*)::int as n from warehouse.quality_test_results where run_id = ${runId} and status <> 'skipped'`;
  assert.match(JSON.stringify(body.blocks), new RegExp(`\\*Tests run\\* ${n}\\b`));
  assert.equal((await outboxRow(runId)).status, "delivered");
});

test("alerts - a run with a failing error-severity test produces exactly one Slack message naming the test", async () => {
  receiver.received = [];
  await sql`insert into public.users (email) values ('twin@example.com'), ('Twin@Example.com')`;
  const res = npmRun("pipeline", [], { DATABASE_URL: db.url });
  assert.equal(res.code, 1, "the run with a duplicate key should fail");
  const [{ run_id: runId }] = await sql`select max(run_id)::int as run_id from warehouse.pipeline_runs where status = 'failed'`;
  // independent of the warehouse: how many normalised emails occur more than once in the app's table
  const [{ dupes }] = await sql`
    select count(*)::int as dupes from (
        select lower(trim(email)) from public.users group by 1 having count(*) > 1) as d`;
  assert.equal(dupes, 1);

  assert.deepEqual(await drain(), { claimed: 1, delivered: 1, failed: 0, posted: true });
  assert.equal(receiver.received.length, 1, "exactly one message");
  const forRun = receiver.received.filter((r) => r.body.text.startsWith(`Warehouse run ${runId} failed`));
  assert.equal(forRun.length, 1, "and it is about the failed run");
  const { text, blocks } = forRun[0].body;
  assert.ok(text.includes(FAILING_TEST), "the fallback text names the failing test");
  const rendered = JSON.stringify(blocks);
  assert.ok(rendered.includes(FAILING_TEST), "the blocks name the failing test");
  assert.match(rendered, new RegExp(`${FAILING_TEST}\`[^•]*: ${dupes} failing row`));
  assert.doesNotMatch(JSON.stringify(forRun[0].body), /127\.0\.0\.1|postgres(ql)?:\/\//, "no host or database URL in the message");
  const row = await outboxRow(runId);
  assert.equal(row.status, "delivered");
  assert.equal(row.attempts, 1);

  assert.deepEqual(await drain(), { claimed: 0, delivered: 0, failed: 0, posted: true }, "a second drain posts nothing");
  assert.equal(receiver.received.length, 1);
});

test("alerts - with Slack down the message stays pending with its attempts and error, then is delivered exactly once", async () => {
  receiver.received = [];
  receiver.answer = 500;
  const res = npmRun("pipeline", [], { DATABASE_URL: db.url }); // the twins are still there: fails again
  assert.equal(res.code, 1);
  const [{ run_id: runId }] = await sql`select max(run_id)::int as run_id from warehouse.pipeline_runs where status = 'failed'`;

  // Slack answers 500
  assert.deepEqual(await drain(), { claimed: 1, delivered: 0, failed: 1, posted: true });
  assert.equal(receiver.received.length, 1, "the post was attempted");
  let row = await outboxRow(runId);
  assert.equal(row.status, "pending");
  assert.equal(row.attempts, 1);
  assert.match(row.last_error, /^slack answered 500/);
  assert.equal(row.backing_off, true);
  assert.deepEqual(await drain(), { claimed: 0, delivered: 0, failed: 0, posted: true }, "not retried before its backoff");

  // Slack is down
  await receiver.close();
  await sql`update warehouse.alert_outbox set next_attempt_at = now() where run_id = ${runId}`;
  assert.deepEqual(await drain(), { claimed: 1, delivered: 0, failed: 1, posted: true });
  row = await outboxRow(runId);
  assert.equal(row.status, "pending");
  assert.equal(row.attempts, 2);
  assert.match(row.last_error, /^could not reach slack/);
  assert.ok(!row.last_error.includes(String(receiver.port)) && !row.last_error.includes("e2e-webhook-secret"),
    `the webhook URL stays out of the outbox: ${row.last_error}`);

  // Slack is back, and the backoff has passed
  receiver.answer = 200;
  await receiver.open();
  await sql`update warehouse.alert_outbox set next_attempt_at = now() where run_id = ${runId}`;
  assert.deepEqual(await drain(), { claimed: 1, delivered: 1, failed: 0, posted: true });
  assert.deepEqual(await drain(), { claimed: 0, delivered: 0, failed: 0, posted: true });
  assert.deepEqual(await drain(), { claimed: 0, delivered: 0, failed: 0, posted: true });
  const accepted = receiver.accepted.filter((r) => r.body.text.startsWith(`Warehouse run ${runId} failed`));
  assert.equal(accepted.length, 1, "delivered exactly once");
  assert.equal(receiver.received.length, 2, "one refused post, one accepted, nothing more");
  assert.ok(JSON.stringify(accepted[0].body.blocks).includes(FAILING_TEST));
  row = await outboxRow(runId);
  assert.equal(row.status, "delivered");
  assert.equal(row.attempts, 3);
  assert.equal(row.last_error, null);
  assert.ok(row.delivered_at instanceof Date);
  const [{ pending }] = await sql`select count(*)::int as pending from warehouse.alert_outbox where status = 'pending'`;
  assert.equal(pending, 0);
});
