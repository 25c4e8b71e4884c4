// End-to-end: the partition-maintenance Edge Function, served by Deno against a throwaway cluster,
// archives a raw partition past its retention to a local folder, verifies it and drops it, leaving the
// evidence in warehouse.partition_archives; the archive is checked here against the test's own COPY
// of the partition taken before the call. When the archive cannot be written, nothing is dropped.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { after, before, test } from "node:test";
import postgres from "postgres";
import { type FunctionsServer, startFunctions } from "../../scripts/lib/functions.ts";
import { freePort, startThrowaway, type Throwaway } from "../../scripts/lib/throwaway.ts";

const secret = "partition-maintenance-e2e-secret";
let db: Throwaway;
let sql: postgres.Sql;
let tmp: string;

before(async () => {
  db = await startThrowaway("partition-maintenance-e2e");
  // The function exports in UTC with ISO dates; the test's own COPY must use the same settings.
  sql = postgres(db.url, { max: 2, onnotice: () => {}, connection: { TimeZone: "UTC", DateStyle: "ISO, MDY" } });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "partition-maintenance-e2e-"));
});

after(async () => {
  await sql?.end();
  db?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function withFunctions<T>(env: Record<string, string>, fn: (server: FunctionsServer) => Promise<T>): Promise<T> {
  const server = await startFunctions({
    port: await freePort(56400), // away from the range clusters take (scripts/lib/cluster.ts), which a parallel lane also uses
    env: { SUPABASE_DB_URL: db.url, WAREHOUSE_FUNCTION_SECRET: secret, ...env },
  });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

async function invoke(server: FunctionsServer, headers: Record<string, string> = { "x-warehouse-secret": secret }) {
  const res = await fetch(`${server.url}/functions/v1/partition-maintenance`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: "{}",
  });
  return { status: res.status, body: await res.json() };
}

/** A monthly raw partition `monthsBack` months before this one, with `rows` rows whose text needs CSV quoting. */
async function oldPartition(table: string, monthsBack: number, rows: number): Promise<{ name: string; start: string }> {
  const [{ month }] = await sql`
    select (date_trunc('month', current_date) - make_interval(months => ${monthsBack}))::date::text as month`;
  await sql`select warehouse.create_month_partition('raw', ${table}, 'extracted_date', ${month}::date)`;
  const name = `${table}_${month.slice(0, 4)}_${month.slice(5, 7)}`;
  for (let i = 1; i <= rows; i++) {
    const note = `row ${i}, "quoted"\nsecond line`;
    if (table === "raw_supabase_users") {
      await sql`
        insert into raw.raw_supabase_users (extracted_at, extracted_date, batch_id, row_hash, id, email, first_name)
        values (${month}::date + time '06:00', ${month}::date + ${i}::int, 0, ${`hash-${i}`}, gen_random_uuid(), ${`old${i}@example.com`}, ${note})`;
    } else {
      await sql`
        insert into raw.raw_supabase_sessions (extracted_at, extracted_date, batch_id, row_hash, id, user_agent)
        values (${month}::date + time '06:00', ${month}::date + ${i}::int, 0, ${`hash-${i}`}, gen_random_uuid(), ${note})`;
    }
  }
  return { name, start: month };
}

/** The partition as COPY writes it, taken by the test itself. */
async function copyOf(partition: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = await sql.unsafe(`copy (select * from raw."${partition}") to stdout with (format csv, header)`).readable();
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** An independent CSV parser (RFC 4180, as PostgreSQL writes it): records of fields. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += c;
  }
  assert.equal(quoted, false, "the CSV should not end inside a quoted field");
  if (field !== "" || record.length > 0) records.push([...record, field]);
  return records;
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const exists = async (partition: string) =>
  (await sql`select to_regclass(${`raw.${partition}`}) is not null as present`)[0].present as boolean;

test("partition-maintenance - a raw partition past retention is archived, verified and dropped, with its evidence", { timeout: 180_000 }, async () => {
  const archiveDir = path.join(tmp, "archive");
  const old = await oldPartition("raw_supabase_users", 30, 4);
  const expectedCsv = await copyOf(old.name);
  const [{ n: expectedRows }] = await sql`select count(*)::int as n from raw.${sql(old.name)}`;
  assert.equal(expectedRows, 4);
  // Row retention as well: staging keeps 36 months of sessions.
  await sql`
    insert into staging.stg_supabase_sessions (session_id, user_id, started_at, _batch_id)
    values (gen_random_uuid(), gen_random_uuid(), now() - interval '40 months', 0),
           (gen_random_uuid(), gen_random_uuid(), now() - interval '1 day', 0)`;

  const res = await withFunctions({ ARCHIVE_DIR: archiveDir }, async (server) => {
    assert.equal((await invoke(server, {})).status, 401, "a call without the secret should be refused");
    return await invoke(server);
  });

  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.failed, []);
  assert.equal(await exists(old.name), false, "the archived partition should be gone");
  const file = path.join(archiveDir, "raw", "raw_supabase_users", `${old.name}.csv.gz`);
  const archives = await sql`
    select parent_table, partition_name, range_start::text, row_count::int, checksum_sha256, location, dropped_at
    from warehouse.partition_archives`;
  assert.equal(archives.length, 1);
  assert.equal(archives[0].parent_table, "raw_supabase_users");
  assert.equal(archives[0].partition_name, old.name);
  assert.equal(archives[0].range_start, old.start);
  assert.equal(archives[0].row_count, expectedRows, "the recorded row count should be the partition's");
  assert.equal(archives[0].location, `file://${file}`);
  assert.ok(archives[0].dropped_at instanceof Date);

  const csv = gunzipSync(fs.readFileSync(file));
  assert.equal(sha256(csv), archives[0].checksum_sha256, "the recorded checksum should be the archive's");
  assert.equal(sha256(csv), sha256(expectedCsv), "the archive should be the partition as COPY wrote it before the drop");
  const records = parseCsv(csv.toString("utf8"));
  assert.equal(records.length - 1, expectedRows, "the archive should hold a header and one record per row");
  assert.ok(records.every((r) => r.length === records[0].length), "every record should have the header's fields");
  assert.ok(records.slice(1).some((r) => r.includes('row 1, "quoted"\nsecond line')), "quoted text should survive");

  assert.deepEqual(res.body.archived.map((a: { partition: string; rows: number }) => [a.partition, a.rows]), [[`raw.${old.name}`, 4]]);
  assert.equal(res.body.rows_deleted["staging.stg_supabase_sessions"], 1);
  const [{ n: kept }] = await sql`select count(*)::int as n from staging.stg_supabase_sessions`;
  assert.equal(kept, 1, "the recent staging session should stay");
});

test("partition-maintenance - when the archive cannot be written the partition is kept and listed as failed", { timeout: 180_000 }, async () => {
  const old = await oldPartition("raw_supabase_sessions", 31, 3);
  const blocker = path.join(tmp, "a-regular-file");
  fs.writeFileSync(blocker, "not a directory");
  const before = await sql`select count(*)::int as n from warehouse.partition_archives`;

  const res = await withFunctions({ ARCHIVE_DIR: path.join(blocker, "archive") }, (server) => invoke(server));

  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.archived, []);
  assert.deepEqual(res.body.failed.map((f: { partition: string }) => f.partition), [`raw.${old.name}`]);
  assert.match(res.body.failed[0].error, /not a directory/i);
  assert.equal(await exists(old.name), true, "a partition that could not be archived should not be dropped");
  const [{ n }] = await sql`select count(*)::int as n from raw.${sql(old.name)}`;
  assert.equal(n, 3, "its rows should all be there");
  const afterCount = await sql`select count(*)::int as n from warehouse.partition_archives`;
  assert.equal(afterCount[0].n, before[0].n, "no archive should be recorded");
});
