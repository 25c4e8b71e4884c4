// End-to-end: synthetic data → npm run pipeline → raw equals the source; a 1% change adds exactly the
// changed versions; a rerun adds nothing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { connect, npmRunOk } from "./helpers.ts";

let db: Throwaway;
let sql: ReturnType<typeof connect>;

before(async () => {
  db = await startThrowaway("raw-e2e", { synth: ["--users", "10000"] });
  sql = connect(db.url);
});

after(async () => {
  await sql?.end();
  db?.stop();
});

async function rawAndSourceCounts() {
  const [c] = await sql`
    select
        (select count(*) from public.users)::int as users,
        (select count(*) from raw.raw_supabase_users)::int as raw_users,
        (select count(*) from public.sessions)::int as sessions,
        (select count(*) from raw.raw_supabase_sessions)::int as raw_sessions,
        (select count(*) from public.auth_events)::int as auth_events,
        (select count(*) from raw.raw_supabase_auth_events)::int as raw_auth_events`;
  return c;
}

test("pipeline - the first extraction copies every source row into raw", async () => {
  const out = npmRunOk("pipeline", [], { DATABASE_URL: db.url }).stdout;
  assert.match(out, /extract\s+supabase_users\s+succeeded/);
  const c = await rawAndSourceCounts();
  assert.equal(c.users, 10000);
  assert.equal(c.raw_users, c.users);
  assert.equal(c.raw_sessions, c.sessions);
  assert.equal(c.raw_auth_events, c.auth_events);
});

test("pipeline - changing 1% of users adds exactly those versions, and nothing else", async () => {
  const changed = await sql`
    update public.users set failed_login_attempts = failed_login_attempts + 1
    where id in (select id from public.users order by id limit 100)
    returning id`;
  const before = await rawAndSourceCounts();
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  const after = await rawAndSourceCounts();
  assert.equal(after.raw_users, before.raw_users + 100);
  assert.equal(after.raw_sessions, before.raw_sessions, "no session changed");
  assert.equal(after.raw_auth_events, before.raw_auth_events, "no auth event was added");
  const added = await sql`
    select id from raw.raw_supabase_users
    where batch_id = (select max(batch_id) from warehouse.extract_batches where source_name = 'supabase_users')
    order by id`;
  assert.deepEqual(added.map((r) => r.id), changed.map((r) => r.id).sort());
});

test("pipeline - a rerun with no change adds nothing", async () => {
  const before = await rawAndSourceCounts();
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
  assert.deepEqual(await rawAndSourceCounts(), before);
});
