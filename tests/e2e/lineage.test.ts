// End-to-end: lineage cannot lie. Each model's lineage is derived from its SQL (warehouse.model_lineage:
// pg_depend of its projection view or its functions); this test watches what each model really reads
// when it runs (the scan counters of pg_stat_xact_user_tables, inside a rolled-back transaction) and
// fails when a model reads a raw, staging or mart table its lineage does not show — as a plpgsql or
// string-bodied SQL helper would, since PostgreSQL records no dependencies for those.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";
import { connect, npmRunOk } from "./helpers.ts";

let db: Throwaway;
let sql: ReturnType<typeof connect>;

before(async () => {
  db = await startThrowaway("lineage-e2e", { synth: ["--users", "300"] });
  sql = connect(db.url);
  npmRunOk("pipeline", [], { DATABASE_URL: db.url });
});

after(async () => {
  await sql?.end();
  db?.stop();
});

interface Read { relation: string; scans: number }

/** The raw, staging and mart tables a model scans when it re-applies every batch, with its own table. */
async function relationsRead(model: string): Promise<string[]> {
  let read: string[] = [];
  await sql
    .begin(async (tx) => {
      await tx`set local max_parallel_workers_per_gather = 0`;
      const counters = () => tx<Read[]>`
        select schemaname || '.' || relname as relation, (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::int as scans
        from pg_stat_xact_user_tables where schemaname in ('raw', 'staging', 'marts')`;
      const before = new Map((await counters()).map((r) => [r.relation, r.scans]));
      await tx`select warehouse.materialize(${model}, 0, (select coalesce(max(batch_id), 0) from warehouse.extract_batches))`;
      read = (await counters()).filter((r) => r.scans > (before.get(r.relation) ?? 0)).map((r) => r.relation).sort();
      throw new Error("rollback");
    })
    .catch((e: Error) => {
      if (e.message !== "rollback") throw e;
    });
  // A partition is read through its parent: name the parent, as lineage does.
  const parents = await sql<{ part: string; parent: string }[]>`
    select n.nspname || '.' || c.relname as part, pn.nspname || '.' || p.relname as parent
    from pg_inherits as i
    join pg_class as c on c.oid = i.inhrelid join pg_namespace as n on n.oid = c.relnamespace
    join pg_class as p on p.oid = i.inhparent join pg_namespace as pn on pn.oid = p.relnamespace`;
  const parentOf = new Map(parents.map((r) => [r.part, r.parent]));
  return [...new Set(read.map((r) => parentOf.get(r) ?? r))].sort();
}

test("lineage - every model's lineage is derived from its SQL and is not empty", async () => {
  const rows = await sql<{ model_name: string; reads: string[] }[]>`select model_name, reads from warehouse.model_lineage()`;
  const models = await sql<{ model_name: string }[]>`select model_name from warehouse.models`;
  assert.equal(rows.length, models.length, "every model should have a lineage row");
  for (const r of rows) assert.ok(r.reads.length > 0, `${r.model_name} should read at least one table`);
});

test("lineage - no model reads a raw, staging or mart table that its lineage does not show", async () => {
  const lineage = await sql<{ model_name: string; target: string; reads: string[] }[]>`
    select l.model_name, m.target_schema || '.' || m.target_table as target, l.reads
    from warehouse.model_lineage() as l join warehouse.models as m using (model_name) order by 1`;
  const hidden: string[] = [];
  for (const m of lineage) {
    const read = await relationsRead(m.model_name);
    assert.ok(read.length > 0, `${m.model_name} should read something when it runs`);
    for (const r of read) if (r !== m.target && !m.reads.includes(r)) hidden.push(`${m.model_name} reads ${r}`);
  }
  assert.deepEqual(hidden, [], "a model read a relation its derived lineage does not show");
});

test("lineage - the run order puts every model after the models whose tables it reads", async () => {
  const rows = await sql<{ model_name: string; depth: number; upstream_depth: number }[]>`
    select o.model_name, o.depth, u.depth as upstream_depth
    from warehouse.model_order() as o
    join warehouse.model_lineage() as l using (model_name)
    join warehouse.models as d on d.target_schema || '.' || d.target_table = any (l.reads)
    join warehouse.model_order() as u on u.model_name = d.model_name
    where d.model_name <> o.model_name and u.depth >= o.depth`;
  assert.deepEqual([...rows], [], "a model would run before a model whose table it reads");
  const authEvents = await sql<{ reads: string[] }[]>`select reads from warehouse.model_lineage() where model_name = 'marts_core_auth_events'`;
  assert.ok(authEvents[0].reads.includes("staging.stg_supabase_users"),
    "marts_core_auth_events reads staging users (for opt-out): the edge its hand-written lineage missed");
});
