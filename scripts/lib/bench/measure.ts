// What the benchmark measures with, shared by its phases: wall time, the untimed settling between
// phases, bytes per layer, free disk, and the SQL of sql/bench.
import fs from "node:fs";
import path from "node:path";
import type { Sql } from "postgres";
import { projectRoot } from "../config.ts";

/** Seconds of wall time a promise took, and its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = performance.now();
  const result = await fn();
  return { seconds: (performance.now() - started) / 1000, result };
}

/** Between phases, untimed: VACUUM (ANALYZE) of the whole database, then a CHECKPOINT, so that no phase
 * pays for the dead rows, missing statistics or dirty pages the one before it left. */
export async function settle(sql: Sql): Promise<void> {
  await sql.unsafe("vacuum (analyze)");
  await sql.unsafe("checkpoint");
}

export function benchSql(name: string): string {
  return fs.readFileSync(path.join(projectRoot, "sql", "bench", name), "utf8");
}

/** The bench schema's helpers (checksums, the day of change) on a cluster. */
export async function installBenchSql(sql: Sql): Promise<void> {
  await sql.unsafe(benchSql("functions.sql"));
  await sql.unsafe(benchSql("day_of_change.sql"));
}

export interface Source {
  schema: string;
  table: string;
}

/** The operational tables the warehouse extracts (warehouse.sources), in name order. */
export async function readSources(sql: Sql): Promise<Source[]> {
  const rows = await sql<{ source_schema: string; source_table: string }[]>`
    select source_schema, source_table from warehouse.sources order by source_schema, source_table`;
  return rows.map((r) => ({ schema: r.source_schema, table: r.source_table }));
}

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface LayerBytes {
  /** pg_total_relation_size (table, indexes, TOAST) summed over the layer's tables. */
  source: number;
  raw: number;
  staging: number;
  marts: number;
  /** Rows of the source tables, counted. */
  source_rows: number;
  /** Each layer's bytes over source_rows. */
  per_source_row: { source: number; raw: number; staging: number; marts: number };
  /** (raw + staging + marts) / source: the warehouse's footprint against the app's. */
  warehouse_over_source: number;
}

/** Bytes of the source tables and of every table of raw (its partitions), staging and marts. */
export async function layerBytes(sql: Sql, sources: Source[]): Promise<LayerBytes> {
  let source = 0;
  let rows = 0;
  for (const s of sources) {
    const [r] = await sql.unsafe(
      `select pg_total_relation_size('${ident(s.schema)}.${ident(s.table)}')::bigint as bytes, (select count(*) from ${ident(s.schema)}.${ident(s.table)})::bigint as n`,
    );
    source += Number(r.bytes);
    rows += Number(r.n);
  }
  const layers = await sql<{ nspname: string; bytes: string }[]>`
    select n.nspname, coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint::text as bytes
    from pg_class as c
    join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname in ('raw', 'staging', 'marts') and c.relkind in ('r', 'm')
    group by n.nspname`;
  const of = (layer: string) => Number(layers.find((l) => l.nspname === layer)?.bytes ?? 0);
  const raw = of("raw");
  const staging = of("staging");
  const marts = of("marts");
  const per = (b: number) => (rows > 0 ? Math.round((b / rows) * 10) / 10 : 0);
  return {
    source,
    raw,
    staging,
    marts,
    source_rows: rows,
    per_source_row: { source: per(source), raw: per(raw), staging: per(staging), marts: per(marts) },
    warehouse_over_source: source > 0 ? (raw + staging + marts) / source : 0,
  };
}

/** Bytes free for an unprivileged writer on the file system that holds the throwaway clusters. */
export function freeBytes(dir = path.join(projectRoot, ".local")): number {
  fs.mkdirSync(dir, { recursive: true });
  const s = fs.statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

export const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

/** Headroom kept free beyond a phase's own estimate: the WAL between checkpoints (max_wal_size 4GB) and some. */
export const reserveBytes = 5e9;

/** Fails with one sentence when a phase's estimated bytes (plus the reserve) exceed the free disk. */
export function checkDisk(phase: string, needBytes: number): void {
  const free = freeBytes();
  if (needBytes + reserveBytes > free) {
    throw new Error(
      `not enough free disk for ${phase}: it needs about ${gb(needBytes + reserveBytes)} (${gb(needBytes)} and ${gb(reserveBytes)} ` +
        `for WAL and headroom), and ${path.join(projectRoot, ".local")} has ${gb(free)} free; run with fewer --users or free some space`,
    );
  }
}

/** Synthetic source bytes per user (tables and indexes), measured at 10,000 users: one year about 19 KB. */
export const sourceBytesPerUser = (years: number) => (years === 1 ? 20_000 : 32_000);

/** Median and 95th percentile (nearest rank) of a list of numbers. */
export function percentiles(values: number[]): { median: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  const median = sorted.length % 2 === 1
    ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { median, p95: rank(0.95) };
}
