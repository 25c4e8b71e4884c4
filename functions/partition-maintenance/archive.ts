// Partition archives: a partition's COPY output (CSV with a header) is gzipped and written to an
// ArchiveStore (Supabase Storage or a local folder), then read back and verified (data rows and the
// SHA-256 of the uncompressed CSV) before the database is allowed to drop the partition.
//
// Everything here is pure or touches only the store it is given. Deno built-ins only:
// CompressionStream/DecompressionStream for gzip, crypto.subtle for SHA-256.

/** Where archives live. `location` is what warehouse.partition_archives records. */
export interface ArchiveStore {
  /** The address recorded as the archive's location (file:///… or storage://bucket/…). */
  location(path: string): string;
  /** Writes the object, replacing one at the same path; resolves only once it is stored. */
  put(path: string, bytes: Uint8Array): Promise<void>;
  /** Reads the object back; rejects if it does not exist. */
  get(path: string): Promise<Uint8Array>;
}

export class ArchiveVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveVerificationError";
  }
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * Counts CSV records as PostgreSQL writes them (format csv): a newline ends a record unless it is
 * inside a quoted field ("" is an escaped quote, so toggling on every quote keeps the state right).
 * Fed in chunks, so a quoted newline split across chunks is still counted once.
 */
export class CsvRecordCounter {
  #records = 0;
  #inQuotes = false;
  #pending = false; // bytes seen since the last record ended

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === QUOTE) {
        this.#inQuotes = !this.#inQuotes;
        this.#pending = true;
      } else if (b === NEWLINE && !this.#inQuotes) {
        this.#records++;
        this.#pending = false;
      } else {
        this.#pending = true;
      }
    }
  }

  /** The number of records; throws if the data ends inside a quoted field (it was cut short). */
  finish(): number {
    if (this.#inQuotes) throw new ArchiveVerificationError("the CSV ends inside a quoted field: it is truncated");
    return this.#records + (this.#pending ? 1 : 0);
  }
}

/** Records in a whole CSV (header included). */
export function countCsvRecords(bytes: Uint8Array): number {
  const counter = new CsvRecordCounter();
  counter.push(bytes);
  return counter.finish();
}

/** Data rows of a CSV with a header line: records minus the header. */
export function countCsvDataRows(bytes: Uint8Array): number {
  const records = countCsvRecords(bytes);
  if (records === 0) throw new ArchiveVerificationError("the CSV is empty: it has no header line");
  return records - 1;
}

/**
 * Collects the output of `copy (…) to stdout with (format csv, header)` into one buffer and counts
 * its data rows (records minus the header) as it goes.
 */
export async function csvFromCopy(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<{ csv: Uint8Array<ArrayBuffer>; rows: number }> {
  const parts: Uint8Array[] = [];
  const counter = new CsvRecordCounter();
  let total = 0;
  for await (const chunk of chunks) {
    counter.push(chunk);
    parts.push(chunk);
    total += chunk.length;
  }
  const records = counter.finish();
  if (records === 0) throw new ArchiveVerificationError("COPY returned nothing: not even a header line");
  return { csv: concat(parts, total), rows: records - 1 };
}

function concat(parts: Uint8Array[], total = parts.reduce((n, p) => n + p.length, 0)): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// gzip and SHA-256
// ---------------------------------------------------------------------------------------------

async function transform(bytes: Uint8Array, stream: TransformStream<Uint8Array, Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const parts: Uint8Array[] = [];
  for await (const chunk of input.pipeThrough(stream)) parts.push(chunk);
  return concat(parts);
}

export function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return transform(bytes, new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>);
}

/** Gunzips; rejects on data that is not a complete gzip stream. */
export function gunzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return transform(bytes, new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>);
}

/** SHA-256 of the bytes, lowercase hex (what warehouse.partition_archives.checksum_sha256 holds). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---------------------------------------------------------------------------------------------
// Paths and verification
// ---------------------------------------------------------------------------------------------

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** `<schema>/<parent>/<partition>.csv.gz`; refuses names that are not plain identifiers (no / or ..). */
export function archivePath(schema: string, parent: string, partition: string): string {
  for (const name of [schema, parent, partition]) {
    if (!SEGMENT.test(name)) throw new Error(`refusing to archive under the name "${name}": not a plain identifier`);
  }
  return `${schema}/${parent}/${partition}.csv.gz`;
}

export interface Verified {
  rows: number;
  checksum_sha256: string;
}

/**
 * Reads an archive back from the store, gunzips it, recounts its data rows and rehashes the CSV.
 * Throws ArchiveVerificationError unless both match what was exported.
 */
export async function verify(store: ArchiveStore, path: string, expectedRows: number, expectedChecksum: string): Promise<Verified> {
  const stored = await store.get(path);
  let csv: Uint8Array;
  try {
    csv = await gunzip(stored);
  } catch (err) {
    throw new ArchiveVerificationError(`archive ${path} is not a readable gzip file: ${err instanceof Error ? err.message : err}`);
  }
  const checksum = await sha256Hex(csv);
  const rows = countCsvDataRows(csv);
  if (rows !== expectedRows) {
    throw new ArchiveVerificationError(`archive ${path} has ${rows} data rows, the partition exported ${expectedRows}`);
  }
  if (checksum !== expectedChecksum) {
    throw new ArchiveVerificationError(`archive ${path} has SHA-256 ${checksum}, the export had ${expectedChecksum}`);
  }
  return { rows, checksum_sha256: checksum };
}

// ---------------------------------------------------------------------------------------------
// Stores
// ---------------------------------------------------------------------------------------------

/** An absolute, normalised path: `dir` as given if absolute, else under `cwd`. */
export function absolutePath(dir: string, cwd: string): string {
  const joined = dir.startsWith("/") ? dir : `${cwd}/${dir}`;
  const out: string[] = [];
  for (const segment of joined.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `/${out.join("/")}`;
}

/** Archives in a local folder: `<dir>/<schema>/<parent>/<partition>.csv.gz`, written atomically and synced. */
export class LocalStore implements ArchiveStore {
  readonly root: string;

  constructor(dir: string) {
    this.root = absolutePath(dir, Deno.cwd());
  }

  #file(path: string): string {
    if (path.split("/").some((s) => s === "" || s === "." || s === "..")) throw new Error(`invalid archive path "${path}"`);
    return `${this.root}/${path}`;
  }

  location(path: string): string {
    return `file://${this.#file(path)}`;
  }

  async put(path: string, bytes: Uint8Array): Promise<void> {
    const file = this.#file(path);
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    // Write a temporary file, sync it to disk, then rename: the final name never holds a partial file.
    const tmp = `${file}.tmp-${crypto.randomUUID()}`;
    const handle = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      let written = 0;
      while (written < bytes.length) written += await handle.write(bytes.subarray(written));
      await handle.syncData();
    } finally {
      handle.close();
    }
    try {
      await Deno.rename(tmp, file);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
  }

  get(path: string): Promise<Uint8Array> {
    return Deno.readFile(this.#file(path));
  }
}

/** The part of a supabase-js client StorageStore uses (a SupabaseClient fits). */
export interface StorageClient {
  storage: {
    from(bucket: string): {
      upload(
        path: string,
        body: Blob,
        options?: { contentType?: string; upsert?: boolean },
      ): Promise<{ error: unknown }>;
      download(path: string): Promise<{ data: Blob | null; error: unknown }>;
    };
  };
}

const describeError = (err: unknown) =>
  err instanceof Error ? err.message : typeof err === "object" && err !== null && "message" in err ? String(err.message) : String(err);

/** Archives in a (private) Supabase Storage bucket, uploaded with the service-role key. */
export class StorageStore implements ArchiveStore {
  constructor(private readonly client: StorageClient, private readonly bucket: string) {}

  location(path: string): string {
    return `storage://${this.bucket}/${path}`;
  }

  async put(path: string, bytes: Uint8Array): Promise<void> {
    const body = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/gzip" });
    // upsert: a retry after a refused drop replaces the archive of the same partition.
    const { error } = await this.client.storage.from(this.bucket).upload(path, body, { contentType: "application/gzip", upsert: true });
    if (error) throw new Error(`upload to storage://${this.bucket}/${path} failed: ${describeError(error)}`);
  }

  async get(path: string): Promise<Uint8Array> {
    const { data, error } = await this.client.storage.from(this.bucket).download(path);
    if (error || !data) throw new Error(`download of storage://${this.bucket}/${path} failed: ${describeError(error ?? "no data")}`);
    return new Uint8Array(await data.arrayBuffer());
  }
}
