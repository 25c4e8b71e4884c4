import assert from "node:assert/strict";
import { DEFAULT_ARCHIVE_DIR, loadConfig } from "./config.ts";

const base = {
  SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:54322/postgres",
  WAREHOUSE_FUNCTION_SECRET: "a-shared-secret-of-length",
};

Deno.test("config - with SUPABASE_URL, the service-role key and ARCHIVE_BUCKET, archives go to Storage", () => {
  const config = loadConfig({
    ...base,
    SUPABASE_URL: "https://abc.supabase.co",
    SUPABASE_SERVICE_ROLE_KEY: "service-role",
    ARCHIVE_BUCKET: "warehouse-archive",
    ARCHIVE_DIR: "/ignored",
  });
  assert.deepEqual(config, {
    databaseUrl: base.SUPABASE_DB_URL,
    serviceRoleKey: "service-role",
    sharedSecret: base.WAREHOUSE_FUNCTION_SECRET,
    archive: { kind: "storage", supabaseUrl: "https://abc.supabase.co", serviceRoleKey: "service-role", bucket: "warehouse-archive" },
  });
});

Deno.test("config - without a bucket, archives go to ARCHIVE_DIR, by default ./.local/archive", () => {
  assert.deepEqual(loadConfig(base).archive, { kind: "local", dir: DEFAULT_ARCHIVE_DIR });
  assert.equal(DEFAULT_ARCHIVE_DIR, "./.local/archive");
  assert.deepEqual(loadConfig({ ...base, ARCHIVE_DIR: "/srv/archive" }).archive, { kind: "local", dir: "/srv/archive" });
  assert.deepEqual(loadConfig({ ...base, ARCHIVE_DIR: "", ARCHIVE_BUCKET: " " }).archive, { kind: "local", dir: DEFAULT_ARCHIVE_DIR }, "empty means unset");
  assert.deepEqual(
    loadConfig({ ...base, SUPABASE_URL: "https://abc.supabase.co", SUPABASE_SERVICE_ROLE_KEY: "k" }).archive.kind,
    "local",
    "a project without ARCHIVE_BUCKET archives locally",
  );
});

Deno.test("config - a missing or invalid variable is an error naming it", () => {
  assert.throws(() => loadConfig({ WAREHOUSE_FUNCTION_SECRET: base.WAREHOUSE_FUNCTION_SECRET }), /SUPABASE_DB_URL is required/);
  assert.throws(() => loadConfig({ ...base, SUPABASE_DB_URL: "not a url" }), /SUPABASE_DB_URL must be a URL/);
  assert.throws(() => loadConfig({ ...base, ARCHIVE_BUCKET: "warehouse-archive" }), /ARCHIVE_BUCKET needs SUPABASE_URL/);
  assert.throws(() => loadConfig({ ...base, ARCHIVE_BUCKET: "Bad/Name", SUPABASE_URL: "https://a.co", SUPABASE_SERVICE_ROLE_KEY: "k" }), /ARCHIVE_BUCKET must be a bucket name/);
  assert.throws(() => loadConfig({ ...base, SUPABASE_URL: "abc.supabase.co" }), /SUPABASE_URL/);
  assert.throws(() => loadConfig({ ...base, WAREHOUSE_FUNCTION_SECRET: "short" }), /WAREHOUSE_FUNCTION_SECRET must be at least 16/);
});

Deno.test("config - one of the service-role key and the shared secret is required", () => {
  assert.throws(() => loadConfig({ SUPABASE_DB_URL: base.SUPABASE_DB_URL }), /SUPABASE_SERVICE_ROLE_KEY is required unless WAREHOUSE_FUNCTION_SECRET/);
  assert.equal(loadConfig({ SUPABASE_DB_URL: base.SUPABASE_DB_URL, SUPABASE_SERVICE_ROLE_KEY: "k" }).serviceRoleKey, "k");
});
