import assert from "node:assert/strict";
import {
  absolutePath,
  archivePath,
  ArchiveVerificationError,
  countCsvRecords,
  csvFromCopy,
  gunzip,
  gzip,
  LocalStore,
  sha256Hex,
  type StorageClient,
  StorageStore,
  verify,
} from "./archive.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

// What COPY ... (format csv, header) writes: a quoted field may hold commas, quotes and newlines.
const copyOutput = [
  "id,email,note\n",
  '1,"a,""b""@example.com","line one\n',
  'line two"\n2,,\n3,"",plain\n',
];

async function tempStore() {
  const dir = await Deno.makeTempDir({ prefix: "partition-archive-" });
  return { dir, store: new LocalStore(dir), cleanup: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("archive - csvFromCopy counts data rows, not lines, even with a quoted newline split across chunks", async () => {
  const { csv, rows } = await csvFromCopy(copyOutput.map(enc));
  assert.equal(rows, 3);
  assert.equal(dec(csv), copyOutput.join(""));
  assert.equal(dec(csv).split("\n").length - 1, 5, "five lines hold four records (header and 3 rows): one newline is quoted");
});

Deno.test("archive - csvFromCopy of an empty partition is the header alone, zero rows", async () => {
  assert.equal((await csvFromCopy([enc("id,email\n")])).rows, 0);
  await assert.rejects(csvFromCopy([]), ArchiveVerificationError, "no header at all is not a COPY output");
});

Deno.test("archive - counting records handles escaped quotes, a missing last newline and a truncated quote", () => {
  assert.equal(countCsvRecords(enc('a,b\n"x""y",z\n')), 2);
  assert.equal(countCsvRecords(enc("a,b\n1,2")), 2, "a last record without a newline still counts");
  assert.equal(countCsvRecords(enc("")), 0);
  assert.throws(() => countCsvRecords(enc('a,b\n"1,2\n')), /truncated/);
});

Deno.test("archive - gzip round-trips and sha256 is the hex digest of the bytes", async () => {
  const csv = enc(copyOutput.join(""));
  assert.deepEqual(await gunzip(await gzip(csv)), csv);
  assert.equal(await sha256Hex(enc("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

Deno.test("archive - round trip: a LocalStore in a temp dir holds a gzipped CSV that verifies", async () => {
  const { dir, store, cleanup } = await tempStore();
  try {
    const { csv, rows } = await csvFromCopy(copyOutput.map(enc));
    const checksum = await sha256Hex(csv);
    const path = archivePath("raw", "raw_supabase_users", "raw_supabase_users_2024_01");
    await store.put(path, await gzip(csv));
    assert.deepEqual(await verify(store, path, rows, checksum), { rows: 3, checksum_sha256: checksum });
    const file = `${dir}/raw/raw_supabase_users/raw_supabase_users_2024_01.csv.gz`;
    assert.equal(store.location(path), `file://${file}`);
    assert.equal(dec(await gunzip(await Deno.readFile(file))), copyOutput.join(""), "the file on disk is the gzipped CSV");
    const leftovers = [...Deno.readDirSync(`${dir}/raw/raw_supabase_users`)].map((e) => e.name);
    assert.deepEqual(leftovers, ["raw_supabase_users_2024_01.csv.gz"], "no temporary file is left behind");
  } finally {
    await cleanup();
  }
});

Deno.test("archive - verify fails on a tampered object: same row count, other bytes", async () => {
  const { store, cleanup } = await tempStore();
  try {
    const { csv, rows } = await csvFromCopy(copyOutput.map(enc));
    const checksum = await sha256Hex(csv);
    const tampered = enc(copyOutput.join("").replace("plain", "plaim"));
    await store.put("raw/t/t_2024_01.csv.gz", await gzip(tampered));
    await assert.rejects(verify(store, "raw/t/t_2024_01.csv.gz", rows, checksum), (err: Error) => {
      assert.ok(err instanceof ArchiveVerificationError);
      assert.match(err.message, /SHA-256/);
      return true;
    });
  } finally {
    await cleanup();
  }
});

Deno.test("archive - verify fails on a missing row, a non-gzip object and a missing object", async () => {
  const { store, cleanup } = await tempStore();
  try {
    const { csv, rows } = await csvFromCopy(copyOutput.map(enc));
    const checksum = await sha256Hex(csv);
    await store.put("raw/t/short.csv.gz", await gzip(enc("id,email,note\n2,,\n")));
    await assert.rejects(verify(store, "raw/t/short.csv.gz", rows, checksum), /has 1 data rows, the partition exported 3/);
    await store.put("raw/t/plain.csv.gz", csv);
    await assert.rejects(verify(store, "raw/t/plain.csv.gz", rows, checksum), /not a readable gzip file/);
    await assert.rejects(verify(store, "raw/t/absent.csv.gz", rows, checksum), Deno.errors.NotFound);
  } finally {
    await cleanup();
  }
});

Deno.test("archive - a LocalStore under a regular file cannot write, and says so", async () => {
  const { dir, cleanup } = await tempStore();
  try {
    await Deno.writeTextFile(`${dir}/not-a-dir`, "x");
    const store = new LocalStore(`${dir}/not-a-dir/archive`);
    await assert.rejects(store.put("raw/t/t_2024_01.csv.gz", enc("x")), /not a directory/i);
  } finally {
    await cleanup();
  }
});

Deno.test("archive - paths are plain identifiers: no traversal out of the archive folder", () => {
  assert.equal(archivePath("raw", "raw_supabase_users", "raw_supabase_users_2024_01"), "raw/raw_supabase_users/raw_supabase_users_2024_01.csv.gz");
  assert.throws(() => archivePath("raw", "..", "x"), /not a plain identifier/);
  assert.throws(() => archivePath("raw", "t", "a/b"), /not a plain identifier/);
  assert.throws(() => new LocalStore("/tmp/a").location("raw/../../etc/passwd"), /invalid archive path/);
  assert.equal(absolutePath("./.local/archive", "/srv/app"), "/srv/app/.local/archive");
  assert.equal(absolutePath("/var/archive/", "/srv/app"), "/var/archive");
});

Deno.test("archive - StorageStore uploads gzip with upsert to its bucket and downloads it back", async () => {
  const objects = new Map<string, Blob>();
  const calls: string[] = [];
  const client: StorageClient = {
    storage: {
      from: (bucket) => ({
        upload: (path, body, options) => {
          calls.push(`${bucket}:${path}:${options?.contentType}:${options?.upsert}`);
          objects.set(path, body);
          return Promise.resolve({ error: null });
        },
        download: (path) =>
          Promise.resolve(objects.has(path) ? { data: objects.get(path)!, error: null } : { data: null, error: { message: "Object not found" } }),
      }),
    },
  };
  const store = new StorageStore(client, "warehouse-archive");
  const bytes = await gzip(enc("id\n1\n"));
  await store.put("raw/t/t_2024_01.csv.gz", bytes);
  assert.deepEqual(calls, ["warehouse-archive:raw/t/t_2024_01.csv.gz:application/gzip:true"]);
  assert.deepEqual(await store.get("raw/t/t_2024_01.csv.gz"), bytes);
  assert.equal(store.location("raw/t/t_2024_01.csv.gz"), "storage://warehouse-archive/raw/t/t_2024_01.csv.gz");
  await assert.rejects(store.get("raw/t/absent.csv.gz"), /download of storage:\/\/warehouse-archive\/raw\/t\/absent.csv.gz failed: Object not found/);
});

Deno.test("archive - a StorageStore upload error rejects the put", async () => {
  const client: StorageClient = {
    storage: {
      from: () => ({
        upload: () => Promise.resolve({ error: { message: "Bucket not found" } }),
        download: () => Promise.resolve({ data: null, error: { message: "nope" } }),
      }),
    },
  };
  await assert.rejects(new StorageStore(client, "missing").put("raw/t/x.csv.gz", enc("x")), /Bucket not found/);
});
