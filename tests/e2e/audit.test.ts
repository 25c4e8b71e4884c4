// End-to-end: an analyst login reads a mart; pgaudit (object auditing through warehouse_auditor, set up by
// the migration) writes it to the cluster's jsonlog file; the audit-ingest function, served locally with
// Deno, receives those log records and stores one audit row per statement, idempotently; the audit log
// refuses UPDATE and DELETE, even for postgres.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import postgres from "postgres";
import { projectRoot } from "../../scripts/lib/config.ts";
import { freePort, startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { connect } from "./helpers.ts";

type LogRecord = Record<string, unknown> & { user?: string; session_id?: string; message?: string };

let db: Throwaway;
let sql: ReturnType<typeof connect>;
let analyst: ReturnType<typeof connect>;
let fn: ChildProcess | undefined;
let fnOutput = "";
let endpoint: string;
const secret = randomBytes(24).toString("hex");
const login = "test_analyst";
const dimUsers = "marts.marts_core_dim_users";
const activity = "marts.marts_core_user_activity_daily";

/** Every record of the cluster's jsonlog files (log_destination includes jsonlog, under <data dir>/log). */
function logRecords(): LogRecord[] {
  const dir = path.join(db.dir, "log");
  if (!fs.existsSync(dir)) return [];
  const records: LogRecord[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    for (const line of fs.readFileSync(path.join(dir, file), "utf8").split("\n")) {
      if (line.trim() !== "") records.push(JSON.parse(line));
    }
  }
  return records;
}

/** Polls the log files until `wanted` finds something (the logging collector writes asynchronously). */
async function waitForLog(wanted: (records: LogRecord[]) => boolean, what: string): Promise<LogRecord[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const records = logRecords();
    if (wanted(records)) return records;
    if (Date.now() > deadline) throw new Error(`no ${what} in ${path.join(db.dir, "log")} after 10 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The login's pgaudit lines, read independently of the function: statement key → relations. */
function expectedStatements(records: LogRecord[]): Map<string, Set<string>> {
  const statements = new Map<string, Set<string>>();
  for (const r of records) {
    const m = r.user === login ? /^AUDIT: (?:OBJECT|SESSION),(\d+),(\d+),[^,]*,[^,]*,[^,]*,([^,]+),/.exec(r.message ?? "") : null;
    if (!m) continue;
    const key = `${r.session_id}/${m[1]}/${m[2]}`;
    if (!statements.has(key)) statements.set(key, new Set());
    statements.get(key)!.add(m[3]);
  }
  return statements;
}

function post(body: unknown, key = secret): Promise<Response> {
  return fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", "x-warehouse-secret": key },
    body: JSON.stringify(body),
  });
}

/** Serves functions/ locally as the Supabase runtime would, and waits until it listens. */
async function serveFunctions(port: number): Promise<void> {
  fn = spawn(
    "npx",
    ["--no-install", "deno", "run", "--allow-net", "--allow-env", "--allow-read", "--config", "functions/deno.json", "functions/_local/serve.ts"],
    {
      cwd: projectRoot,
      detached: true, // its own process group, so `after` stops deno and not only npx
      env: { ...process.env, NO_COLOR: "1", FUNCTIONS_PORT: String(port), SUPABASE_DB_URL: db.url, WAREHOUSE_FUNCTION_SECRET: secret },
    },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the functions server did not start within 90 s:\n${fnOutput}`)), 90_000);
    const onData = (chunk: Buffer) => {
      fnOutput += chunk.toString();
      if (fnOutput.includes(`http://127.0.0.1:${port}/functions/v1/`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    fn!.stdout!.on("data", onData);
    fn!.stderr!.on("data", onData);
    fn!.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the functions server exited (${code}):\n${fnOutput}`));
    });
  });
}

before(async () => {
  db = await startThrowaway("audit-e2e");
  sql = connect(db.url);
  await sql.unsafe(`create role ${login} login password 'x' in role analyst_role`);
  const url = new URL(db.url);
  url.username = login;
  url.password = "x";
  analyst = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const port = await freePort(56400);
  endpoint = `http://127.0.0.1:${port}/functions/v1/audit-ingest`;
  await serveFunctions(port);
});

after(async () => {
  if (fn?.pid) {
    try {
      process.kill(-fn.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  await analyst?.end();
  await sql?.end();
  db?.stop();
});

test("audit - an analyst login's mart queries are stored once each, with the login as role and every mart read", async () => {
  await analyst.unsafe(`select count(*) from ${dimUsers}`);
  await analyst.unsafe(`select count(*) from ${dimUsers} as u join ${activity} as a using (user_id)`);
  const records = await waitForLog(
    (rs) => [...expectedStatements(rs).values()].some((tables) => tables.has(activity)),
    `pgaudit line for ${login}`,
  );
  const expected = expectedStatements(records);
  assert.equal(expected.size, 2, "pgaudit should have logged the login's two statements");

  const res = await post(records);
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  assert.equal(body.received, records.length);
  assert.equal(body.malformed_count, 0, JSON.stringify(body.malformed));

  const rows = await sql<{ session_id: string; statement_id: string; substatement_id: string; tables_accessed: string[]; query_text: string; user_id: string | null }[]>`
    select session_id, statement_id, substatement_id, tables_accessed, query_text, user_id
    from audit.warehouse_audit_logs
    where role_name = ${login}
    order by statement_id`;
  assert.deepEqual(
    new Map(rows.map((r) => [`${r.session_id}/${r.statement_id}/${r.substatement_id}`, new Set(r.tables_accessed)])),
    expected,
    "one audit row per logged statement, listing every relation pgaudit logged for it",
  );
  assert.ok(rows.some((r) => r.tables_accessed.includes(dimUsers) && r.query_text === `select count(*) from ${dimUsers}`));
  assert.deepEqual(rows.find((r) => r.tables_accessed.includes(activity))?.tables_accessed.sort(), [dimUsers, activity].sort());
  assert.ok(rows.every((r) => r.user_id === null), "database roles are not app users");
});

test("audit - posting the same log records again inserts nothing new", async () => {
  const records = logRecords();
  const before = await sql`select count(*)::int as n from audit.warehouse_audit_logs`;
  const res = await post(records);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.inserted, 0);
  assert.equal(body.duplicates, body.statements);
  const afterwards = await sql`select count(*)::int as n from audit.warehouse_audit_logs`;
  assert.equal(afterwards[0].n, before[0].n);
});

test("audit - a garbage record among good ones is reported as malformed and the good ones are stored", async () => {
  await analyst.unsafe("select count(*) from marts.marts_core_auth_events");
  const records = await waitForLog(
    (rs) => rs.some((r) => r.user === login && (r.message ?? "").includes("marts.marts_core_auth_events")),
    "pgaudit line for the auth events mart",
  );
  const fresh = records.filter((r) => r.user === login && (r.message ?? "").includes("marts.marts_core_auth_events"));
  const res = await post([...fresh, "garbage", { message: "AUDIT: OBJECT,not,a,line", user: login, session_id: "x" }]);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.malformed_count, 2);
  assert.deepEqual(body.malformed.map((m: { index: number }) => m.index), [fresh.length, fresh.length + 1]);
  assert.equal(body.inserted, 1);
  const [row] = await sql`
    select count(*)::int as n from audit.warehouse_audit_logs
    where role_name = ${login} and 'marts.marts_core_auth_events' = any (tables_accessed)`;
  assert.equal(row.n, 1);
});

test("audit - a wrong secret gets 401", async () => {
  const res = await post(logRecords(), "not-the-secret");
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { error: "unauthorized" });
});

test("audit - UPDATE and DELETE on the audit log are refused, even for postgres", async () => {
  const [{ n }] = await sql`select count(*)::int as n from audit.warehouse_audit_logs`;
  assert.ok(n > 0);
  await assert.rejects(sql`update audit.warehouse_audit_logs set role_name = 'someone_else'`, { code: "42501" });
  await assert.rejects(sql`delete from audit.warehouse_audit_logs`, { code: "42501" });
  await assert.rejects(sql`truncate audit.warehouse_audit_logs`, { code: "42501" });
  const [again] = await sql`select count(*)::int as n, count(*) filter (where role_name = ${login})::int as mine from audit.warehouse_audit_logs`;
  assert.equal(again.n, n);
  assert.equal(again.mine, 3);
});
