// End-to-end: `npm run warehouse -- <command>` on a throwaway cluster with 300 synthetic users, as a
// data engineer runs it: a pipeline run, the run and test logs, freshness, erasure of a user, the
// docs; every connection failure exit 1. (Help and command-line mistakes, which need no database,
// are in tests/unit/cli_usage.test.ts.)
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { freePort, startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { assertOneErrorLine, connect, lines, npmRun, type ScriptResult, show } from "./helpers.ts";

let db: Throwaway;
let sql: ReturnType<typeof connect>;

before(async () => {
  db = await startThrowaway("cli-e2e", { synth: ["--users", "300"] });
  sql = connect(db.url);
});

after(async () => {
  await sql?.end();
  db?.stop();
});

const warehouse = (...args: string[]): ScriptResult => npmRun("warehouse", args, { DATABASE_URL: db.url });

test("cli - run succeeds and prints every step of the pipeline", async () => {
  const r = warehouse("run");
  assert.equal(r.code, 0, show(r));
  const [run] = await sql`select run_id::int, status from warehouse.pipeline_runs order by run_id desc limit 1`;
  assert.equal(run.status, "succeeded");
  assert.match(r.stdout, new RegExp(`^run ${run.run_id}: succeeded`));
  const steps = await sql`select step_name, coalesce(target, '') as target from warehouse.pipeline_steps where run_id = ${run.run_id} order by step_id`;
  assert.ok(steps.length >= 8, "the run should have partition, extract, model, test and publish steps");
  const printed = lines(r.stdout).slice(1);
  assert.equal(printed.length, steps.length, "one line per step");
  steps.forEach((s, i) => assert.match(printed[i], new RegExp(`^\\s+${s.step_name}\\s+${s.target.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`)));
});

test("cli - runs shows that run with its status, start and duration", async () => {
  const r = warehouse("runs", "--limit", "5");
  assert.equal(r.code, 0, show(r));
  const [run] = await sql`
    select run_id::int, status, to_char(started_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as started
    from warehouse.pipeline_runs order by run_id desc limit 1`;
  const row = lines(r.stdout).find((l) => new RegExp(`^\\s+${run.run_id}\\s`).test(l));
  assert.ok(row, `run ${run.run_id} should be listed:\n${r.stdout}`);
  assert.match(row, new RegExp(`\\s${run.status}\\s+${run.started}\\s+\\d+(\\.\\d)?s`));
  assert.match(r.stdout, /no failed runs/);
});

test("cli - runs names the failing tests of the latest failed run with counts and sample keys", async () => {
  const [{ run_id }] = await sql`
    insert into warehouse.pipeline_runs (status, finished_at, error, failing_tests)
    values ('failed', clock_timestamp(), 'quality gate: a_made_up_test failed', '{a_made_up_test}')
    returning run_id::int`;
  await sql`
    insert into warehouse.quality_test_results (run_id, test_name, model_name, kind, severity, status, failing_rows, sample_keys, message)
    values (${run_id}, 'a_made_up_test', 'stg_supabase_users', 'unique', 'error', 'fail', 3, '{key-a,key-b}', 'three duplicates'),
           (${run_id}, 'a_passing_test', 'stg_supabase_users', 'unique', 'error', 'pass', 0, '{}', 'fine')`;
  try {
    const r = warehouse("runs");
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, new RegExp(`latest failed run: ${run_id}\\b.*quality gate: a_made_up_test failed`));
    assert.match(r.stdout, /a_made_up_test\s+error\s+fail\s+3\s+key-a, key-b/);
    assert.doesNotMatch(r.stdout, /a_passing_test/);
  } finally {
    await sql`delete from warehouse.pipeline_runs where run_id = ${run_id}`;
  }
});

test("cli - tests lists every enabled quality test of the latest run: pass, or skipped where a constraint guarantees it", async () => {
  const r = warehouse("tests");
  assert.equal(r.code, 0, show(r));
  const [{ run_id }] = await sql`select max(run_id)::int as run_id from warehouse.pipeline_runs`;
  assert.match(r.stdout, new RegExp(`^quality tests of run ${run_id}:`));
  const enabled = await sql`
    select t.test_name, t.severity, warehouse.quality_test_guarantee(t) is not null as guaranteed
    from warehouse.quality_tests as t where t.is_enabled order by t.test_name`;
  assert.ok(enabled.length >= 20);
  assert.ok(enabled.some((t) => t.guaranteed) && enabled.some((t) => !t.guaranteed));
  for (const t of enabled) {
    const status = t.guaranteed ? "skipped" : "pass";
    assert.match(r.stdout, new RegExp(`^\\s+${t.test_name}\\s+${t.severity}\\s+${status}\\s+0\\s`, "m"), `${t.test_name} should be ${status}:\n${r.stdout}`);
  }
  assert.match(r.stdout, /skipped: the unique index marts_core_dim_users_pkey guarantees it/);
  assert.equal(lines(r.stdout).length, 2 + enabled.length, "a summary, a header and one line per test");
});

test("cli - tests --run of a run that does not exist is one line and exit 1", () => {
  const r = warehouse("tests", "--run", "999999");
  assert.equal(r.code, 1, show(r));
  assertOneErrorLine(r, /no pipeline run 999999/);
});

test("cli - freshness checks every freshness test, as the hourly job does, and passes", async () => {
  const [{ before }] = await sql`select count(*)::int as before from warehouse.quality_test_results where run_id is null`;
  const r = warehouse("freshness");
  assert.equal(r.code, 0, show(r));
  const fresh = await sql`select test_name from warehouse.quality_tests where is_enabled and kind = 'freshness' order by 1`;
  assert.ok(fresh.length >= 1);
  assert.match(r.stdout, new RegExp(`^freshness: ${fresh.length} tests?, all fresh`));
  for (const t of fresh) assert.match(r.stdout, new RegExp(`^\\s+${t.test_name}\\s+pass\\s+\\S`, "m"));
  const [{ after }] = await sql`select count(*)::int as after from warehouse.quality_test_results where run_id is null`;
  assert.equal(after - before, fresh.length, "the check should be recorded, as check_freshness() records it");
});

test("cli - freshness exits 1 and names the test when the data is past its error threshold", async () => {
  await sql`update warehouse.quality_tests set params = params || '{"warn_after": "1 second", "error_after": "2 seconds"}' where kind = 'freshness'`;
  try {
    const r = warehouse("freshness");
    assert.equal(r.code, 1, show(r));
    assert.match(r.stdout, /failed: stg_supabase_auth_events__freshness/);
    assert.match(r.stdout, /^\s+stg_supabase_auth_events__freshness\s+fail\s/m);
  } finally {
    await sql`update warehouse.quality_tests set params = params || '{"warn_after": "26 hours", "error_after": "72 hours"}' where kind = 'freshness'`;
  }
});

test("cli - docs prints the catalog with the Mermaid lineage of every model", async () => {
  const r = warehouse("docs");
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /```mermaid\nflowchart LR\n/);
  const sources = await sql`select source_schema || '.' || source_table as source, raw_schema || '.' || raw_table as raw from warehouse.sources`;
  for (const s of sources) assert.ok(r.stdout.includes(`[("${s.source}")] --> `) && r.stdout.includes(`["${s.raw}"]`), `lineage of ${s.source}`);
  const models = await sql`select target_schema || '.' || target_table as target from warehouse.models`;
  for (const m of models) assert.ok(r.stdout.includes(`--> ${m.target.replace(/[^a-zA-Z0-9_]/g, "_")}["${m.target}"]`), `lineage of ${m.target}`);
});

/** Rows of a user in every raw, staging and mart table with a user column, found from the catalog. */
/**
 * The user's rows in every raw, staging and mart table, found from the catalog (not from the
 * warehouse's own registry): by user_id or owner_user_id, by id in raw users, or through the user's
 * pets (pet_id, given as ids taken before any erasure) for tables that name no user.
 */
async function petsOf(userId: string): Promise<string[]> {
  return (await sql`select distinct id::text from raw.raw_supabase_pets where owner_user_id = ${userId}`).map((r) => r.id);
}
async function rowsOfUser(userId: string, petIds: string[]): Promise<Record<string, number>> {
  const tables = await sql`
    select c.table_schema, c.table_name,
           (array_agg(c.column_name order by array_position(array['user_id', 'owner_user_id', 'id', 'pet_id'], c.column_name::text)))[1] as column_name
    from information_schema.columns as c
    join pg_class as k on k.oid = format('%I.%I', c.table_schema, c.table_name)::regclass
    where c.table_schema in ('raw', 'staging', 'marts') and k.relkind in ('r', 'p') and not k.relispartition
      and (c.column_name in ('user_id', 'owner_user_id', 'pet_id')
           or (c.table_schema = 'raw' and c.table_name = 'raw_supabase_users' and c.column_name = 'id'))
    group by 1, 2`;
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const [{ n }] = t.column_name === "pet_id"
      ? await sql`select count(*)::int as n from ${sql(t.table_schema)}.${sql(t.table_name)}
                  where pet_id::text in ${sql(petIds.length ? petIds : ["none"])}`
      : await sql`select count(*)::int as n from ${sql(t.table_schema)}.${sql(t.table_name)} where ${sql(t.column_name)} = ${userId}`;
    counts[`${t.table_schema}.${t.table_name}`] = n;
  }
  return counts;
}

test("cli - forget without --yes shows what it would delete, deletes nothing and exits 1", async () => {
  const [{ user_id }] = await sql`select user_id::text from marts.marts_core_user_activity_daily order by user_id limit 1`;
  const pets = await petsOf(user_id);
  const before = await rowsOfUser(user_id, pets);
  const r = warehouse("forget", user_id);
  assert.equal(r.code, 1, show(r));
  assert.equal(lines(r.stderr).length, 1, show(r));
  assert.match(r.stderr, /--yes/);
  for (const [table, n] of Object.entries(before)) {
    if (n > 0) assert.match(r.stdout, new RegExp(`^\\s+${table.replace(".", "\\.")}\\s+${n}$`, "m"), `${table} should show ${n} rows`);
  }
  assert.deepEqual(await rowsOfUser(user_id, pets), before);
});

test("cli - forget <user id> --yes removes the user from raw, staging and marts and prints the erasure", async () => {
  const [{ user_id }] = await sql`
    select a.user_id::text from marts.marts_core_user_activity_daily as a
    where exists (select from raw.raw_supabase_sessions as s where s.user_id = a.user_id)
      and exists (select from raw.raw_supabase_auth_events as e where e.user_id = a.user_id)
      and exists (select from raw.raw_supabase_pets as p where p.owner_user_id = a.user_id)
    group by 1 order by count(*) desc, 1 limit 1`;
  const pets = await petsOf(user_id);
  const before = await rowsOfUser(user_id, pets);
  assert.ok(pets.length > 0 && before["raw.raw_supabase_health_events"] > 0, "the user should have pets with health events");
  for (const layer of ["raw", "staging", "marts"]) {
    assert.ok(Object.entries(before).some(([t, n]) => t.startsWith(`${layer}.`) && n > 0), `the user should have ${layer} rows`);
  }
  const r = warehouse("forget", user_id.toUpperCase(), "--yes");
  assert.equal(r.code, 0, show(r));
  const after = await rowsOfUser(user_id, pets);
  assert.deepEqual(after, Object.fromEntries(Object.keys(before).map((t) => [t, 0])), "no row of the user should be left");

  const [erasure] = await sql`select erasure_id::int, rows_deleted from warehouse.erased_users order by erasure_id desc limit 1`;
  const total = Object.values(before).reduce((a, b) => a + b, 0);
  assert.match(r.stdout, new RegExp(`^erased: erasure ${erasure.erasure_id} in warehouse\\.erased_users, ${total} rows deleted`));
  for (const [table, n] of Object.entries(before)) {
    assert.match(r.stdout, new RegExp(`^\\s+${table.replace(".", "\\.")}\\s+${n}$`, "m"), `${table} should show ${n} rows deleted`);
  }
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(user_id, "i"), "the output should not repeat the user id");
});

test("cli - a database that is not there is one line naming host:port, exit 1", async () => {
  const port = await freePort(57000);
  const r = npmRun("warehouse", ["runs"], { DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres` });
  assert.equal(r.code, 1, show(r));
  assertOneErrorLine(r, new RegExp(`127\\.0\\.0\\.1:${port}.*npm run local:up`));
  assert.doesNotMatch(r.stderr, /postgres:postgres/, "the password should never be printed");
});
