import assert from "node:assert/strict";
import { buildHandler } from "./main.ts";

// A database nobody listens on: the handler must not need it to refuse a request.
const env = { SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:9/postgres", WAREHOUSE_FUNCTION_SECRET: "main-test-secret-0123" };

Deno.test("main - buildHandler refuses to start on a bad environment, naming the variable", () => {
  assert.throws(() => buildHandler({}), /SUPABASE_DB_URL/);
});

Deno.test("main - refused requests never connect to the database", async () => {
  const handler = buildHandler(env);
  const get = await handler(new Request("http://127.0.0.1/functions/v1/warehouse-alerts"));
  assert.equal(get.status, 405);
  await get.body?.cancel();
  const anonymous = await handler(new Request("http://127.0.0.1/functions/v1/warehouse-alerts", { method: "POST" }));
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
});

Deno.test("main - without SLACK_WEBHOOK_URL an authorized call posts nothing and says so", async () => {
  const res = await buildHandler(env)(new Request("http://127.0.0.1/functions/v1/warehouse-alerts", {
    method: "POST",
    headers: { "x-warehouse-secret": env.WAREHOUSE_FUNCTION_SECRET },
  }));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).posted, false);
});
