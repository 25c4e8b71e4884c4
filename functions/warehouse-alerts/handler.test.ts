import assert from "node:assert/strict";
import { type Outbox, type PostResult } from "./drain.ts";
import { alertRows } from "./fixtures.ts";
import { createHandler, type HandlerDeps } from "./handler.ts";
import type { SlackMessage } from "./slack.ts";

const config = { serviceRoleKey: "service-role-key-for-tests", sharedSecret: "shared-secret-for-tests", reportUrl: null };

function fakes(rows = alertRows(2), status = 200) {
  const pending = [...rows];
  const seen = { claims: [] as number[], posted: [] as SlackMessage[], delivered: [] as string[], failed: [] as string[] };
  const outbox: Outbox = {
    claim(limit) {
      seen.claims.push(limit);
      return Promise.resolve(pending.splice(0, limit));
    },
    markDelivered(id) {
      seen.delivered.push(id);
      return Promise.resolve();
    },
    markFailed(id) {
      seen.failed.push(id);
      return Promise.resolve();
    },
  };
  const post = (m: SlackMessage): Promise<PostResult> => {
    seen.posted.push(m);
    return Promise.resolve({ status, body: "" });
  };
  return { deps: { outbox, post } as HandlerDeps, seen };
}

const call = (handler: (req: Request) => Promise<Response>, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  handler(new Request("http://127.0.0.1/functions/v1/warehouse-alerts", { method: "POST", ...init }));
const withSecret = { "x-warehouse-secret": "shared-secret-for-tests" };

Deno.test("handler - a POST with the shared secret drains the outbox and answers 200 with the counts", async () => {
  const { deps, seen } = fakes(alertRows(2));
  const res = await call(createHandler(config, deps), { headers: withSecret });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { claimed: 2, delivered: 2, failed: 0, posted: true });
  assert.deepEqual(seen.claims, [20], "the default limit");
  assert.equal(seen.posted.length, 2);
});

Deno.test("handler - the service-role key as a bearer token is accepted, and limit is passed to the claim", async () => {
  const { deps, seen } = fakes(alertRows(3), 500);
  const res = await call(createHandler(config, deps), {
    headers: { authorization: "Bearer service-role-key-for-tests" },
    body: JSON.stringify({ limit: 2 }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { claimed: 2, delivered: 0, failed: 2, posted: true });
  assert.deepEqual(seen.claims, [2]);
});

Deno.test("handler - a wrong or missing key is 401 and touches nothing", async () => {
  const { deps, seen } = fakes();
  const handler = createHandler(config, deps);
  const attempts: Record<string, string>[] = [{}, { "x-warehouse-secret": "wrong" }, { authorization: "Bearer shared-secret-for-tests" }];
  for (const headers of attempts) {
    const res = await call(handler, { headers });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: "unauthorized" });
  }
  assert.deepEqual(seen.claims, []);
});

Deno.test("handler - a bad field is 400 naming it", async () => {
  const { deps, seen } = fakes();
  const handler = createHandler(config, deps);
  for (const [body, named] of [
    [{ limit: 0 }, /limit/],
    [{ limit: 101 }, /limit/],
    [{ limit: "5" }, /limit/],
    [{ limit: 2.5 }, /limit/],
    [{ limt: 5 }, /limt/],
  ] as const) {
    const res = await call(handler, { headers: withSecret, body: JSON.stringify(body) });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match((await res.json()).error, named);
  }
  const notJson = await call(handler, { headers: withSecret, body: "{limit" });
  assert.equal(notJson.status, 400);
  assert.deepEqual(seen.claims, []);
});

Deno.test("handler - GET (or any method but POST) is 405", async () => {
  const { deps, seen } = fakes();
  const handler = createHandler(config, deps);
  for (const method of ["GET", "PUT", "DELETE"]) {
    const res = await handler(new Request("http://127.0.0.1/functions/v1/warehouse-alerts", { method, headers: withSecret }));
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST");
    await res.body?.cancel();
  }
  assert.deepEqual(seen.claims, []);
});

Deno.test("handler - without a Slack webhook nothing is claimed or posted, and the answer says so", async () => {
  const { deps, seen } = fakes();
  const res = await call(createHandler(config, { ...deps, post: null }), { headers: withSecret });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.posted, false);
  assert.equal(body.claimed, 0);
  assert.match(body.note, /SLACK_WEBHOOK_URL is not set/);
  assert.deepEqual(seen.claims, [], "claiming would count an attempt");
});

Deno.test("handler - a database error is a 500 that does not echo it", async () => {
  const { deps } = fakes();
  const broken = { ...deps, outbox: { ...deps.outbox, claim: () => Promise.reject(new Error("connect ECONNREFUSED 10.1.2.3:5432 password=hunter2")) } };
  const originalError = console.error;
  console.error = () => {};
  try {
    const res = await call(createHandler(config, broken), { headers: withSecret });
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), { error: "internal error" });
    assert.doesNotMatch(text, /ECONNREFUSED|hunter2|10\.1\.2\.3/);
  } finally {
    console.error = originalError;
  }
});
