import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { createHandler, type Deps, type InsertResult } from "./handler.ts";
import { buildHandler } from "./main.ts";
import type { AuditRow } from "./parse.ts";

const config = loadConfig({
  SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:1/postgres",
  SUPABASE_SERVICE_ROLE_KEY: "service-key",
  WAREHOUSE_FUNCTION_SECRET: "shared-secret",
});

/** A stand-in for the database: remembers what it was given, answers like audit.ingest_statements. */
function fakeDb(fail = false) {
  const stored = new Map<string, AuditRow>();
  const calls: AuditRow[][] = [];
  const deps: Deps = {
    insertRows(rows): Promise<InsertResult> {
      calls.push(rows);
      if (fail) return Promise.reject(new Error("connection refused at 10.0.0.5:5432 (password=hunter2)"));
      let inserted = 0;
      for (const r of rows) {
        const key = `${r.session_id}/${r.statement_id}/${r.substatement_id}`;
        if (!stored.has(key)) {
          stored.set(key, r);
          inserted++;
        }
      }
      return Promise.resolve({ inserted, duplicates: rows.length - inserted, conflicts: 0 });
    },
  };
  return { deps, calls, stored };
}

const line = (statementId: number, table: string, over: Record<string, unknown> = {}) => ({
  timestamp: "2026-11-26 07:17:12.564 UTC",
  user: "test_analyst",
  dbname: "postgres",
  session_id: "6b07dcf8.4b3e",
  line_num: statementId * 10 + table.length,
  error_severity: "LOG",
  message: `AUDIT: OBJECT,${statementId},1,READ,SELECT,TABLE,${table},select * from ${table},<not logged>`,
  ...over,
});

const post = (body: unknown, headers: Record<string, string> = { "x-warehouse-secret": "shared-secret" }) =>
  new Request("http://127.0.0.1/functions/v1/audit-ingest", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

Deno.test("audit-ingest - a batch of audit lines is stored as one row per statement and counted", async () => {
  const db = fakeDb();
  const handle = createHandler(config, db.deps);
  const res = await handle(post([
    line(1, "marts.marts_core_dim_users"),
    line(1, "marts.marts_core_user_activity_daily"),
    line(2, "staging.stg_supabase_users"),
    line(3, "public.users"),
  ]));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    received: 4,
    statements: 2,
    inserted: 2,
    duplicates: 0,
    conflicts: 0,
    ignored: 1,
    malformed_count: 0,
    malformed: [],
  });
  assert.equal(db.calls.length, 1);
  assert.deepEqual(db.calls[0].map((r) => [r.role_name, r.tables_accessed]), [
    ["test_analyst", ["marts.marts_core_dim_users", "marts.marts_core_user_activity_daily"]],
    ["test_analyst", ["staging.stg_supabase_users"]],
  ]);
});

Deno.test("audit-ingest - sending the same batch again reports duplicates and inserts nothing", async () => {
  const db = fakeDb();
  const handle = createHandler(config, db.deps);
  const batch = [line(1, "marts.marts_core_dim_users")];
  await handle(post(batch));
  const again = await (await handle(post(batch))).json();
  assert.equal(again.inserted, 0);
  assert.equal(again.duplicates, 1);
  assert.equal(db.stored.size, 1);
});

Deno.test("audit-ingest - a malformed record is counted and the rest are kept", async () => {
  const db = fakeDb();
  const res = await createHandler(config, db.deps)(post([
    line(1, "marts.marts_core_dim_users"),
    42,
    line(2, "marts.marts_core_dim_users", { message: "AUDIT: OBJECT,2,1,READ" }),
    line(3, "raw.raw_supabase_users"),
  ]));
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.malformed_count, 2);
  assert.deepEqual(body.malformed.map((m: { index: number }) => m.index), [1, 2]);
  assert.equal(body.inserted, 2);
  assert.deepEqual(db.calls[0].map((r) => r.statement_id), [1, 3]);
});

Deno.test("audit-ingest - a wrong or missing secret gets 401 and touches nothing", async () => {
  const db = fakeDb();
  const handle = createHandler(config, db.deps);
  const attempts: Record<string, string>[] = [{}, { "x-warehouse-secret": "wrong" }, { authorization: "Bearer shared-secret" }];
  for (const headers of attempts) {
    const res = await handle(post([line(1, "marts.x")], headers));
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: "unauthorized" });
  }
  assert.equal(db.calls.length, 0);
  const ok = await handle(post([line(1, "marts.x")], { authorization: "Bearer service-key" }));
  assert.equal(ok.status, 200, "the service-role key as a bearer token should be accepted");
});

Deno.test("audit-ingest - only POST is allowed", async () => {
  const res = await createHandler(config, fakeDb().deps)(new Request("http://127.0.0.1/x", { method: "GET" }));
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "POST");
});

Deno.test("audit-ingest - a body that is not a list of records gets 400 naming the field", async () => {
  const handle = createHandler(config, fakeDb().deps);
  const notList = await handle(post({ records: "nope" }));
  assert.equal(notList.status, 400);
  assert.match((await notList.json()).error, /^invalid request: records: /);
  const noRecords = await handle(post({ events: [] }));
  assert.equal(noRecords.status, 400);
  assert.match((await noRecords.json()).error, /records/);
  const broken = await handle(post("[{"));
  assert.equal(broken.status, 400);
  assert.deepEqual(await broken.json(), { error: "request body is not valid JSON" });
  const wrapped = await handle(post({ records: [line(1, "marts.x")] }));
  assert.equal(wrapped.status, 200, "{ records: [...] } should be accepted as well as a bare array");
});

Deno.test("audit-ingest - a gzip body, as a log drain can send it, is decompressed", async () => {
  const db = fakeDb();
  const gz = await new Response(
    new Blob([JSON.stringify([line(1, "marts.marts_core_dim_users")])]).stream().pipeThrough(new CompressionStream("gzip")),
  ).arrayBuffer();
  const req = new Request("http://127.0.0.1/x", {
    method: "POST",
    headers: { "content-type": "application/json", "content-encoding": "gzip", "x-warehouse-secret": "shared-secret" },
    body: gz,
  });
  const res = await createHandler(config, db.deps)(req);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).inserted, 1);
  const bad = await createHandler(config, db.deps)(
    new Request("http://127.0.0.1/x", {
      method: "POST",
      headers: { "content-encoding": "gzip", "x-warehouse-secret": "shared-secret" },
      body: "not gzip",
    }),
  );
  assert.equal(bad.status, 400);
});

Deno.test("audit-ingest - a batch with no warehouse statement does not touch the database", async () => {
  const db = fakeDb();
  const res = await createHandler(config, db.deps)(post([line(1, "public.users"), { event_message: "checkpoint complete" }]));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).ignored, 2);
  assert.equal(db.calls.length, 0);
});

Deno.test("audit-ingest - a database failure is a 500 that reveals nothing internal", async () => {
  const originalError = console.error;
  console.error = () => {};
  try {
    const res = await createHandler(config, fakeDb(true).deps)(post([line(1, "marts.x")]));
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: "internal error" });
  } finally {
    console.error = originalError;
  }
});

Deno.test("audit-ingest config - the database URL is required, and at least one caller key", () => {
  assert.throws(() => loadConfig({ WAREHOUSE_FUNCTION_SECRET: "s" }), /SUPABASE_DB_URL/);
  assert.throws(
    () => loadConfig({ SUPABASE_DB_URL: "https://example.com", WAREHOUSE_FUNCTION_SECRET: "s" }),
    /SUPABASE_DB_URL: must be a postgres/,
  );
  assert.throws(
    () => loadConfig({ SUPABASE_DB_URL: "postgres://u@h/db", SUPABASE_SERVICE_ROLE_KEY: "", WAREHOUSE_FUNCTION_SECRET: "" }),
    /SUPABASE_SERVICE_ROLE_KEY or WAREHOUSE_FUNCTION_SECRET/,
  );
  assert.deepEqual(loadConfig({ SUPABASE_DB_URL: "postgres://u@h/db", SUPABASE_SERVICE_ROLE_KEY: "k" }).credentials, {
    serviceRoleKey: "k",
    sharedSecret: undefined,
  });
});

Deno.test("audit-ingest config - a misconfigured function answers 500 instead of crashing its server", async () => {
  const originalError = console.error;
  const logged: string[] = [];
  console.error = (msg: string) => logged.push(msg);
  try {
    const handle = buildHandler({});
    const res = await handle(post([line(1, "marts.x")]));
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: "audit-ingest is not configured" });
    assert.match(logged.join("\n"), /SUPABASE_DB_URL/);
  } finally {
    console.error = originalError;
  }
});
