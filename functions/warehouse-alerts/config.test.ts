import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";

const base = {
  SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:54322/postgres",
  WAREHOUSE_FUNCTION_SECRET: "a-shared-secret-of-length",
};

Deno.test("config - a complete environment is read into the config", () => {
  const config = loadConfig({
    ...base,
    SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/X",
    SUPABASE_SERVICE_ROLE_KEY: "service-role",
    WAREHOUSE_REPORT_URL: "https://metabase.example/dashboard/1",
    UNRELATED: "ignored",
  });
  assert.deepEqual(config, {
    databaseUrl: base.SUPABASE_DB_URL,
    slackWebhookUrl: "https://hooks.slack.com/services/T/B/X",
    serviceRoleKey: "service-role",
    sharedSecret: base.WAREHOUSE_FUNCTION_SECRET,
    reportUrl: "https://metabase.example/dashboard/1",
  });
});

Deno.test("config - without a webhook the function is configured not to post", () => {
  assert.equal(loadConfig(base).slackWebhookUrl, null);
  assert.equal(loadConfig({ ...base, SLACK_WEBHOOK_URL: "" }).slackWebhookUrl, null, "empty means unset");
});

Deno.test("config - a missing or invalid variable is an error naming it", () => {
  assert.throws(() => loadConfig({ WAREHOUSE_FUNCTION_SECRET: base.WAREHOUSE_FUNCTION_SECRET }), /SUPABASE_DB_URL is required/);
  assert.throws(() => loadConfig({ ...base, SUPABASE_DB_URL: "not a url" }), /SUPABASE_DB_URL must be a URL/);
  assert.throws(() => loadConfig({ ...base, SLACK_WEBHOOK_URL: "hooks.slack.com" }), /SLACK_WEBHOOK_URL/);
  assert.throws(() => loadConfig({ ...base, SLACK_WEBHOOK_URL: "ftp://hooks.slack.com/x" }), /SLACK_WEBHOOK_URL/);
  assert.throws(() => loadConfig({ ...base, WAREHOUSE_REPORT_URL: "nope" }), /WAREHOUSE_REPORT_URL/);
  assert.throws(() => loadConfig({ ...base, WAREHOUSE_FUNCTION_SECRET: "short" }), /WAREHOUSE_FUNCTION_SECRET must be at least 16/);
});

Deno.test("config - one of the service-role key and the shared secret is required", () => {
  assert.throws(() => loadConfig({ SUPABASE_DB_URL: base.SUPABASE_DB_URL }), /SUPABASE_SERVICE_ROLE_KEY is required unless WAREHOUSE_FUNCTION_SECRET/);
  assert.equal(loadConfig({ SUPABASE_DB_URL: base.SUPABASE_DB_URL, SUPABASE_SERVICE_ROLE_KEY: "k" }).serviceRoleKey, "k");
});
