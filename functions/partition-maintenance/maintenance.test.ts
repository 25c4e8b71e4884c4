import assert from "node:assert/strict";
import { type ArchiveStore, gunzip, gzip, sha256Hex } from "./archive.ts";
import { type DropRequest, type DuePartition, FutureAsOfError, type MaintenanceDb, runMaintenance } from "./maintenance.ts";

const enc = (s: string) => new TextEncoder().encode(s);

const partition = (name: string, rows: number): DuePartition => ({
  table_schema: "raw",
  parent_table: name.replace(/_\d{4}_\d{2}$/, ""),
  partition_name: name,
  range_start: "2024-01-01",
  range_end: "2024-02-01",
  row_count: rows,
});

const csvOf = (rows: number) => `id,note\n${Array.from({ length: rows }, (_, i) => `${i + 1},"row\n${i + 1}"\n`).join("")}`;

/** A database that records every call; partitions hold the given number of rows. */
function fakeDb(due: DuePartition[], opts: { locked?: boolean; refuseDrop?: string[]; today?: string } = {}) {
  const calls: string[] = [];
  const drops: DropRequest[] = [];
  const db: MaintenanceDb = {
    resolveAsOf(asOf) {
      const today = opts.today ?? "2026-11-26";
      const resolved = asOf ?? today;
      return Promise.resolve({ asOf: resolved, isFuture: resolved > today });
    },
    tryLock() {
      calls.push("lock");
      return Promise.resolve(!opts.locked);
    },
    unlock() {
      calls.push("unlock");
      return Promise.resolve();
    },
    ensurePartitions(asOf) {
      calls.push(`ensure ${asOf}`);
      return Promise.resolve(["raw.raw_supabase_users_2027_03"]);
    },
    duePartitions(asOf) {
      calls.push(`due ${asOf}`);
      return Promise.resolve(due);
    },
    exportPartition(_schema, name) {
      calls.push(`export ${name}`);
      const p = due.find((d) => d.partition_name === name)!;
      return Promise.resolve([enc(csvOf(p.row_count))]);
    },
    dropArchivedPartition(req) {
      calls.push(`drop ${req.partitionName}`);
      if (opts.refuseDrop?.includes(req.partitionName)) return Promise.reject(new Error(`refusing to drop raw.${req.partitionName}: it has 9 rows`));
      drops.push(req);
      return Promise.resolve(drops.length);
    },
    applyRowRetention(asOf) {
      calls.push(`rows ${asOf}`);
      return Promise.resolve({ "staging.stg_supabase_sessions": 4 });
    },
    rowsDueForRetention(asOf) {
      calls.push(`rows-due ${asOf}`);
      return Promise.resolve({ "staging.stg_supabase_sessions": 4 });
    },
  };
  return { db, calls, drops };
}

/** An in-memory store; `corrupt` names objects that come back altered, `failPut` those that cannot be written. */
function fakeStore(opts: { corrupt?: string[]; failPut?: string[] } = {}) {
  const objects = new Map<string, Uint8Array>();
  const store: ArchiveStore = {
    location: (path) => `memory://${path}`,
    put(path, bytes) {
      if (opts.failPut?.some((p) => path.includes(p))) return Promise.reject(new Error(`cannot write ${path}`));
      objects.set(path, bytes);
      return Promise.resolve();
    },
    async get(path) {
      const bytes = objects.get(path);
      if (!bytes) throw new Error(`no object ${path}`);
      if (opts.corrupt?.some((p) => path.includes(p))) {
        const csv = new TextDecoder().decode(await gunzip(bytes));
        return await gzip(enc(csv.replace("row", "r0w")));
      }
      return bytes;
    },
  };
  return { store, objects };
}

Deno.test("maintenance - a due partition is exported, stored, verified and only then dropped with its count and checksum", async () => {
  const due = [partition("raw_supabase_users_2024_01", 3)];
  const { db, calls, drops } = fakeDb(due);
  const { store, objects } = fakeStore();
  const summary = await runMaintenance({ db, store });
  const path = "raw/raw_supabase_users/raw_supabase_users_2024_01.csv.gz";
  const checksum = await sha256Hex(enc(csvOf(3)));
  assert.deepEqual(calls, ["lock", "ensure 2026-11-26", "due 2026-11-26", "export raw_supabase_users_2024_01", "drop raw_supabase_users_2024_01", "rows 2026-11-26", "unlock"]);
  assert.deepEqual(drops, [{ tableSchema: "raw", partitionName: "raw_supabase_users_2024_01", rowCount: 3, checksumSha256: checksum, location: `memory://${path}` }]);
  assert.equal(new TextDecoder().decode(await gunzip(objects.get(path)!)), csvOf(3), "the stored object is the gzipped export");
  assert.deepEqual(summary, {
    status: "completed",
    as_of: "2026-11-26",
    partitions_created: 1,
    due: ["raw.raw_supabase_users_2024_01"],
    archived: [{
      partition: "raw.raw_supabase_users_2024_01",
      range_start: "2024-01-01",
      range_end: "2024-02-01",
      rows: 3,
      checksum_sha256: checksum,
      location: `memory://${path}`,
      archive_id: 1,
    }],
    failed: [],
    rows_deleted: { "staging.stg_supabase_sessions": 4 },
  });
});

Deno.test("maintenance - a partition whose archive fails to verify is never dropped; the others still are", async () => {
  const due = [partition("raw_supabase_users_2024_01", 2), partition("raw_supabase_sessions_2024_01", 2), partition("raw_supabase_auth_events_2024_01", 1)];
  const { db, calls, drops } = fakeDb(due);
  const { store } = fakeStore({ corrupt: ["raw_supabase_users_2024_01"], failPut: ["raw_supabase_sessions_2024_01"] });
  const summary = await runMaintenance({ db, store });
  assert.deepEqual(drops.map((d) => d.partitionName), ["raw_supabase_auth_events_2024_01"]);
  assert.ok(!calls.includes("drop raw_supabase_users_2024_01"), "the tampered archive's partition is not dropped");
  assert.ok(!calls.includes("drop raw_supabase_sessions_2024_01"), "the unwritten archive's partition is not dropped");
  assert.deepEqual(summary.failed.map((f) => f.partition), ["raw.raw_supabase_users_2024_01", "raw.raw_supabase_sessions_2024_01"]);
  assert.match(summary.failed[0].error, /SHA-256/);
  assert.match(summary.failed[1].error, /cannot write/);
  assert.deepEqual(summary.archived.map((a) => a.partition), ["raw.raw_supabase_auth_events_2024_01"]);
  assert.deepEqual(summary.rows_deleted, { "staging.stg_supabase_sessions": 4 }, "row retention still runs");
  assert.equal(calls.at(-1), "unlock");
});

Deno.test("maintenance - a drop the database refuses is listed as failed, not archived", async () => {
  const { db, drops } = fakeDb([partition("raw_supabase_users_2024_01", 2)], { refuseDrop: ["raw_supabase_users_2024_01"] });
  const summary = await runMaintenance({ db, store: fakeStore().store });
  assert.deepEqual(drops, []);
  assert.deepEqual(summary.archived, []);
  assert.deepEqual(summary.failed, [{ partition: "raw.raw_supabase_users_2024_01", error: "refusing to drop raw.raw_supabase_users_2024_01: it has 9 rows" }]);
});

Deno.test("maintenance - when the warehouse lock is taken the run is skipped and touches nothing", async () => {
  const { db, calls } = fakeDb([partition("raw_supabase_users_2024_01", 2)], { locked: true });
  const summary = await runMaintenance({ db, store: fakeStore().store });
  assert.equal(summary.status, "skipped");
  assert.match(summary.message!, /holds the warehouse lock/);
  assert.deepEqual(calls, ["lock"]);
});

Deno.test("maintenance - a dry run lists what is due and counts rows, but creates, writes, drops and deletes nothing", async () => {
  const { db, calls } = fakeDb([partition("raw_supabase_users_2024_01", 2)]);
  const { store, objects } = fakeStore();
  const summary = await runMaintenance({ db, store }, { dryRun: true, asOf: "2027-01-01" });
  assert.deepEqual(calls, ["lock", "due 2027-01-01", "rows-due 2027-01-01", "unlock"]);
  assert.equal(objects.size, 0);
  assert.equal(summary.status, "dry_run");
  assert.deepEqual(summary.due, ["raw.raw_supabase_users_2024_01"]);
  assert.deepEqual(summary.rows_deleted, { "staging.stg_supabase_sessions": 4 });
});

Deno.test("maintenance - a run as of a future date is refused before it locks anything", async () => {
  const { db, calls } = fakeDb([]);
  await assert.rejects(runMaintenance({ db, store: fakeStore().store }, { asOf: "2026-11-27" }), FutureAsOfError);
  assert.deepEqual(calls, []);
});

Deno.test("maintenance - an error outside a partition (row retention) unlocks and propagates", async () => {
  const { db, calls } = fakeDb([]);
  db.applyRowRetention = () => Promise.reject(new Error("lock timeout"));
  await assert.rejects(runMaintenance({ db, store: fakeStore().store }), /lock timeout/);
  assert.equal(calls.at(-1), "unlock");
});
