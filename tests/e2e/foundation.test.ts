// End-to-end: a person's first commands on a fresh machine — local:up, db:push, synth — work, and
// repeating them is harmless.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { projectRoot } from "../../scripts/lib/config.ts";
import { migrationVersions } from "../../scripts/lib/migrations.ts";
import { freePort } from "../../scripts/lib/throwaway.ts";
import { connect, npmRunOk } from "./helpers.ts";

const dir = path.join(projectRoot, ".local", "throwaway", `foundation-e2e-${process.pid}`);
let env: Record<string, string>;
let url: string;

before(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  env = { WAREHOUSE_LOCAL_DIR: dir, PGPORT: String(await freePort()) };
});

after(() => {
  npmRunOk("local:down", [], env);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("local:up - a fresh cluster starts and its last line is the DATABASE_URL", () => {
  const out = npmRunOk("local:up", [], env).stdout.trim().split("\n");
  const last = out[out.length - 1];
  assert.match(last, /^DATABASE_URL=postgresql:\/\/postgres:postgres@127\.0\.0\.1:\d+\/postgres/);
  url = last.slice("DATABASE_URL=".length);
  assert.ok(url.includes(`:${env.PGPORT}/`), "the URL should use PGPORT");
});

test("local:up - running it a second time reuses the running cluster", () => {
  const again = npmRunOk("local:up", [], env);
  assert.doesNotMatch(again.stderr, /creating a PostgreSQL 15 cluster/);
  assert.equal(again.stdout.trim().split("\n").pop(), `DATABASE_URL=${url}`);
});

test("db:push - applies every migration, and a second push is a no-op", async () => {
  npmRunOk("db:push", [], { ...env, DATABASE_URL: url });
  const sql = connect(url);
  try {
    const first = await sql`select version, statements from supabase_migrations.schema_migrations order by version`;
    assert.deepEqual(first.map((r) => r.version), migrationVersions());
    const second = npmRunOk("db:push", [], { ...env, DATABASE_URL: url });
    assert.match(second.stdout + second.stderr, /up to date/i);
    const again = await sql`select version, statements from supabase_migrations.schema_migrations order by version`;
    assert.deepEqual(again, first, "a second push should change nothing");
  } finally {
    await sql.end();
  }
});

test("synth - 1,000 users get a year of sessions and auth events", async () => {
  npmRunOk("synth", ["--users", "1000"], { ...env, DATABASE_URL: url });
  const sql = connect(url);
  try {
    const [c] = await sql`
      select
          (select count(*) from public.users)::int as users,
          (select count(*) from public.sessions)::int as sessions,
          (select count(*) from public.auth_events)::int as auth_events,
          (select count(distinct user_id) from public.sessions)::int as users_with_sessions,
          (select count(*) from public.users where deleted_at is not null)::int as soft_deleted,
          (select count(*) from public.users where account_locked_until > now())::int as locked,
          (select min(created_at) from public.users) as first_signup`;
    assert.equal(c.users, 1000);
    assert.ok(c.sessions >= 5000 && c.sessions <= 20000, `about 10 sessions per user, got ${c.sessions}`);
    assert.ok(c.auth_events >= 10000 && c.auth_events <= 40000, `about 20 auth events per user, got ${c.auth_events}`);
    assert.ok(c.users_with_sessions > 900, "nearly every user should have sessions");
    assert.ok(c.soft_deleted > 0, "some users should be soft-deleted");
    assert.ok(c.locked > 0, "some accounts should be locked");
    const ageDays = (Date.now() - new Date(c.first_signup).getTime()) / 86_400_000;
    assert.ok(ageDays > 300 && ageDays < 370, `a year of history, first signup ${ageDays} days ago`);
  } finally {
    await sql.end();
  }
});

test("local:down - stops the cluster", () => {
  const out = npmRunOk("local:down", [], env).stdout;
  assert.match(out, /stopped the cluster/);
  const up = npmRunOk("local:up", [], env).stdout;
  assert.match(up, /DATABASE_URL=/, "and local:up brings it back");
});
