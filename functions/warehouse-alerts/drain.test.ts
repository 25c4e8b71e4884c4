import assert from "node:assert/strict";
import { type DrainDeps, drainOutbox, type PostResult, slackPoster } from "./drain.ts";
import { alertRows } from "./fixtures.ts";
import { formatAlert, parseAlert, type SlackMessage } from "./slack.ts";

/**
 * An in-memory outbox with the SQL API's semantics: claim takes due pending rows and leases them,
 * delivered rows are never claimed again, a failure backs off.
 */
function fakeOutbox(rows: Record<string, unknown>[], answer: (message: SlackMessage, n: number) => PostResult | Promise<PostResult>) {
  let clock = 0;
  const state = new Map(rows.map((r) => [r.alert_id as string, { row: r, status: "pending", due: 0, attempts: 0, error: null as string | null }]));
  const posted: SlackMessage[] = [];
  const calls: string[] = [];
  const deps: DrainDeps = {
    claim(limit) {
      calls.push(`claim ${limit}`);
      const due = [...state.values()].filter((s) => s.status === "pending" && s.due <= clock).slice(0, limit);
      for (const s of due) {
        s.attempts++;
        s.due = clock + 120;
      }
      return Promise.resolve(due.map((s) => ({ ...s.row, attempts: s.attempts })));
    },
    markDelivered(id) {
      calls.push(`delivered ${id}`);
      const s = state.get(id)!;
      if (s.status === "pending") s.status = "delivered";
      return Promise.resolve();
    },
    markFailed(id, error) {
      calls.push(`failed ${id}`);
      const s = state.get(id)!;
      s.error = error;
      s.due = clock + 30;
      return Promise.resolve();
    },
    async post(message) {
      posted.push(message);
      calls.push("post");
      return await answer(message, posted.length);
    },
  };
  return { deps, state, posted, calls, tick: (seconds: number) => (clock += seconds) };
}

const format = (row: unknown) => formatAlert(parseAlert(row));
const ok: PostResult = { status: 200, body: "ok" };

Deno.test("drain - every claimed alert is posted, then marked delivered", async () => {
  const fake = fakeOutbox(alertRows(3), () => ok);
  const counts = await drainOutbox(fake.deps, { limit: 20, format });
  assert.deepEqual(counts, { claimed: 3, delivered: 3, failed: 0 });
  assert.equal(fake.posted.length, 3);
  assert.deepEqual([...fake.state.values()].map((s) => s.status), ["delivered", "delivered", "delivered"]);
  assert.deepEqual(fake.calls.slice(0, 3), ["claim 20", "post", `delivered ${alertRows(1)[0].alert_id}`], "marked delivered only after the post");
});

Deno.test("drain - called twice, it never posts an alert twice", async () => {
  const fake = fakeOutbox(alertRows(2), () => ok);
  await drainOutbox(fake.deps, { limit: 20, format });
  fake.tick(3600);
  const again = await drainOutbox(fake.deps, { limit: 20, format });
  assert.deepEqual(again, { claimed: 0, delivered: 0, failed: 0 });
  assert.equal(fake.posted.length, 2);
  assert.deepEqual(new Set(fake.posted.map((m) => m.text)).size, 2);
});

Deno.test("drain - a non-2xx answer marks the alert failed with the status, and it is delivered on a later drain", async () => {
  const fake = fakeOutbox(alertRows(1), (_m, n) => (n === 1 ? { status: 500, body: "internal_error" } : ok));
  const first = await drainOutbox(fake.deps, { limit: 20, format });
  assert.deepEqual(first, { claimed: 1, delivered: 0, failed: 1 });
  const [s] = fake.state.values();
  assert.equal(s.status, "pending");
  assert.equal(s.error, "slack answered 500: internal_error");
  assert.deepEqual(await drainOutbox(fake.deps, { limit: 20, format }), { claimed: 0, delivered: 0, failed: 0 }, "not before its backoff");
  fake.tick(30);
  assert.deepEqual(await drainOutbox(fake.deps, { limit: 20, format }), { claimed: 1, delivered: 1, failed: 0 });
  fake.tick(3600);
  assert.deepEqual(await drainOutbox(fake.deps, { limit: 20, format }), { claimed: 0, delivered: 0, failed: 0 });
  assert.equal(fake.posted.length, 2, "one failed attempt, one delivery");
  assert.equal(s.status, "delivered");
});

Deno.test("drain - a 3xx or 4xx answer is a failure too", async () => {
  for (const status of [302, 400, 404]) {
    const fake = fakeOutbox(alertRows(1), () => ({ status, body: "" }));
    assert.deepEqual(await drainOutbox(fake.deps, { limit: 20, format }), { claimed: 1, delivered: 0, failed: 1 });
    assert.equal([...fake.state.values()][0].error, `slack answered ${status}`);
  }
});

Deno.test("drain - a network error marks the alert failed with the error", async () => {
  const fake = fakeOutbox(alertRows(2), (_m, n) => {
    if (n === 1) throw new Error("could not reach slack: connection refused");
    return ok;
  });
  const counts = await drainOutbox(fake.deps, { limit: 20, format });
  assert.deepEqual(counts, { claimed: 2, delivered: 1, failed: 1 });
  const [first, second] = fake.state.values();
  assert.equal(first.status, "pending");
  assert.equal(first.error, "could not reach slack: connection refused");
  assert.equal(second.status, "delivered", "one failure does not stop the others");
});

Deno.test("drain - a row that cannot be formatted is marked failed and not posted", async () => {
  const [good, bad] = alertRows(2);
  const fake = fakeOutbox([good, { ...bad, payload: { nonsense: true } }], () => ok);
  const counts = await drainOutbox(fake.deps, { limit: 20, format });
  assert.deepEqual(counts, { claimed: 2, delivered: 1, failed: 1 });
  assert.equal(fake.posted.length, 1);
  assert.match(fake.state.get(bad.alert_id as string)!.error!, /^invalid alert row: payload/);
});

Deno.test("drain - claims at most the limit", async () => {
  const fake = fakeOutbox(alertRows(5), () => ok);
  assert.deepEqual(await drainOutbox(fake.deps, { limit: 2, format }), { claimed: 2, delivered: 2, failed: 0 });
  assert.deepEqual(await drainOutbox(fake.deps, { limit: 2, format }), { claimed: 2, delivered: 2, failed: 0 });
  assert.deepEqual(await drainOutbox(fake.deps, { limit: 2, format }), { claimed: 1, delivered: 1, failed: 0 });
});

Deno.test("slack poster - posts the message as JSON and reports the status", async () => {
  const seen: { url: string; init: RequestInit }[] = [];
  const fakeFetch = ((url: string, init: RequestInit) => {
    seen.push({ url, init });
    return Promise.resolve(new Response("ok", { status: 200 }));
  }) as unknown as typeof fetch;
  const post = slackPoster("https://hooks.slack.example/services/T/B/secret", fakeFetch);
  const result = await post({ text: "hello", blocks: [] });
  assert.deepEqual(result, { status: 200, body: "ok" });
  assert.equal(seen[0].url, "https://hooks.slack.example/services/T/B/secret");
  assert.equal(seen[0].init.method, "POST");
  assert.deepEqual(JSON.parse(String(seen[0].init.body)), { text: "hello", blocks: [] });
});

Deno.test("slack poster - an error never carries the webhook URL (a secret) into the outbox", async () => {
  const url = "http://127.0.0.1:9/services/T/B/secret";
  const failing = (() => Promise.reject(new TypeError(`error sending request for url (${url}): connection refused`))) as unknown as typeof fetch;
  await assert.rejects(slackPoster(url, failing)({ text: "x", blocks: [] }), (err: Error) => {
    assert.doesNotMatch(err.message, /secret|127\.0\.0\.1/);
    assert.match(err.message, /could not reach slack: .*connection refused/);
    return true;
  });
});

Deno.test("slack poster - really reaches a receiver over HTTP, and a closed port is a network error", async () => {
  const bodies: unknown[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    bodies.push(await req.json());
    return new Response("nope", { status: 503 });
  });
  const url = `http://127.0.0.1:${server.addr.port}/hook`;
  try {
    assert.deepEqual(await slackPoster(url, fetch)({ text: "hi", blocks: [] }), { status: 503, body: "nope" });
    assert.deepEqual(bodies, [{ text: "hi", blocks: [] }]);
  } finally {
    await server.shutdown();
  }
  await assert.rejects(slackPoster(url, fetch)({ text: "hi", blocks: [] }), (err: Error) => {
    assert.match(err.message, /^could not reach slack: /);
    assert.doesNotMatch(err.message, /127\.0\.0\.1|\/hook/, "the webhook URL is hidden");
    return true;
  });
});
