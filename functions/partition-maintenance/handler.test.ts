import assert from "node:assert/strict";
import { createHandler, type HandlerDeps } from "./handler.ts";
import { FutureAsOfError, type MaintenanceOptions, type MaintenanceSummary } from "./maintenance.ts";

const config = { serviceRoleKey: "service-role-key-for-tests", sharedSecret: "shared-secret-for-tests" };
const withSecret = { "x-warehouse-secret": "shared-secret-for-tests" };

const summary = (over: Partial<MaintenanceSummary> = {}): MaintenanceSummary => ({
  status: "completed",
  as_of: "2026-11-26",
  partitions_created: 0,
  due: [],
  archived: [],
  failed: [],
  rows_deleted: {},
  ...over,
});

function fakes(result: () => Promise<MaintenanceSummary> = () => Promise.resolve(summary())) {
  const runs: MaintenanceOptions[] = [];
  const deps: HandlerDeps = {
    run(opts) {
      runs.push(opts);
      return result();
    },
    today: () => "2026-11-26",
  };
  return { deps, runs };
}

const call = (handler: (req: Request) => Promise<Response>, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  handler(new Request("http://127.0.0.1/functions/v1/partition-maintenance", { method: "POST", ...init }));

Deno.test("handler - a POST with the shared secret runs maintenance and answers 200 with the summary", async () => {
  const { deps, runs } = fakes(() => Promise.resolve(summary({ partitions_created: 3, rows_deleted: { "staging.stg_supabase_sessions": 2 } })));
  const res = await call(createHandler(config, deps), { headers: withSecret });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), summary({ partitions_created: 3, rows_deleted: { "staging.stg_supabase_sessions": 2 } }));
  assert.deepEqual(runs, [{ asOf: undefined, dryRun: false }]);
});

Deno.test("handler - the service-role key as a bearer token is accepted, and as_of and dry_run are passed on", async () => {
  const { deps, runs } = fakes();
  const res = await call(createHandler(config, deps), {
    headers: { authorization: "Bearer service-role-key-for-tests" },
    body: JSON.stringify({ as_of: "2026-01-31", dry_run: true }),
  });
  assert.equal(res.status, 200);
  await res.body?.cancel();
  assert.deepEqual(runs, [{ asOf: "2026-01-31", dryRun: true }]);
});

Deno.test("handler - a wrong or missing key is 401 and runs nothing", async () => {
  const { deps, runs } = fakes();
  const handler = createHandler(config, deps);
  for (const headers of [{}, { "x-warehouse-secret": "wrong" }, { authorization: "Bearer shared-secret-for-tests" }] as Record<string, string>[]) {
    const res = await call(handler, { headers });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: "unauthorized" });
  }
  assert.deepEqual(runs, []);
});

Deno.test("handler - a bad field is 400 naming it, and runs nothing", async () => {
  const { deps, runs } = fakes();
  const handler = createHandler(config, deps);
  for (const [body, named] of [
    [{ as_of: "2026-13-01" }, /as_of/],
    [{ as_of: "26-01-01" }, /as_of/],
    [{ as_of: 20260101 }, /as_of/],
    [{ as_of: "2026-11-27" }, /as_of: must not be after today/],
    [{ dry_run: "yes" }, /dry_run/],
    [{ dryrun: true }, /dryrun/],
  ] as const) {
    const res = await call(handler, { headers: withSecret, body: JSON.stringify(body) });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match((await res.json()).error, named);
  }
  const notJson = await call(handler, { headers: withSecret, body: "{as_of" });
  assert.equal(notJson.status, 400);
  await notJson.body?.cancel();
  assert.deepEqual(runs, []);
});

Deno.test("handler - a future as_of is allowed for a dry run", async () => {
  const { deps, runs } = fakes();
  const res = await call(createHandler(config, deps), { headers: withSecret, body: JSON.stringify({ as_of: "2027-06-01", dry_run: true }) });
  assert.equal(res.status, 200);
  await res.body?.cancel();
  assert.deepEqual(runs, [{ asOf: "2027-06-01", dryRun: true }]);
});

Deno.test("handler - GET (or any method but POST) is 405", async () => {
  const { deps, runs } = fakes();
  const handler = createHandler(config, deps);
  for (const method of ["GET", "PUT", "DELETE"]) {
    const res = await handler(new Request("http://127.0.0.1/functions/v1/partition-maintenance", { method, headers: withSecret }));
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST");
    await res.body?.cancel();
  }
  assert.deepEqual(runs, []);
});

Deno.test("handler - a run skipped for the warehouse lock is 409 with the summary", async () => {
  const { deps } = fakes(() => Promise.resolve(summary({ status: "skipped", message: "a pipeline run ... holds the warehouse lock" })));
  const res = await call(createHandler(config, deps), { headers: withSecret });
  assert.equal(res.status, 409);
  assert.equal((await res.json()).status, "skipped");
});

Deno.test("handler - a failing run is 500 and never echoes the internal error", async () => {
  const { deps } = fakes(() => Promise.reject(new Error("password authentication failed for user postgres at 10.0.0.5")));
  const originalError = console.error;
  console.error = () => {};
  try {
    const res = await call(createHandler(config, deps), { headers: withSecret });
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: "internal error" });
  } finally {
    console.error = originalError;
  }
});

Deno.test("handler - a future as_of the database catches is still a 400", async () => {
  const { deps } = fakes(() => Promise.reject(new FutureAsOfError("2026-11-26")));
  const res = await call(createHandler(config, deps), { headers: withSecret, body: JSON.stringify({ as_of: "2026-11-26" }) });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error, /as_of/);
});
