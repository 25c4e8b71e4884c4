// Throwaway clusters for tests: a fresh PostgreSQL cluster on a free loopback port, bootstrapped
// like Supabase, with the operational schema and every migration applied. pg_cron lives only in the
// `postgres` database, so isolation needs a whole cluster, not a database. Each one is a copy of a
// template data directory (templates.ts) built once per content of the migrations and the rest, so
// starting one takes a copy and a server start, not an initdb and a `supabase db push`.
import fs from "node:fs";
import path from "node:path";
import { parseOptions } from "../synth.ts";
import { loadEnv, localDatabaseUrl, projectRoot } from "./config.ts";
import { type Cluster, copyDataDir, ensurePackages, freePort, setPort, startOnFreePort, stopCluster } from "./cluster.ts";
import { baseStage, ensureTemplate, migratedStage, seededStage, type Stage } from "./templates.ts";

export { freePort } from "./cluster.ts";

export interface Throwaway extends Cluster {
  url: string;
  stop: () => void;
}

export interface ThrowawayOptions {
  /** false: no migrations (for tests that push them). */
  migrate?: boolean;
  /** true: the pg_cron jobs the migrations schedule stay active. */
  cron?: boolean;
  /** Arguments of `npm run synth` (e.g. ["--users", "300"]): the cluster starts with exactly that data. */
  synth?: string[];
  /** true: WAL and durability as a Supabase project runs them (wal_level logical, fsync and full-page writes
   * on), for the benchmark; otherwise a throwaway cluster's quick settings (minimal WAL, no fsync), under which
   * CREATE TABLE AS skips WAL altogether, which no Supabase project does. */
  production?: boolean;
}

/** Server settings appended last (the last line of postgresql.conf wins) for `production: true`. */
export const productionSettings = [
  "# --- WAL and durability as on Supabase (scripts/lib/throwaway.ts, production: true) ---",
  "wal_level = logical",
  "max_wal_senders = 10",
  "fsync = on",
  "synchronous_commit = on",
  "full_page_writes = on",
];

function stageFor(opts: ThrowawayOptions, binDir: string): Stage {
  if (opts.migrate === false) {
    if (opts.synth) throw new Error("startThrowaway: synthetic data needs the migrations");
    return baseStage(binDir);
  }
  if (!opts.synth) return migratedStage(binDir, opts.cron === true);
  const options = parseOptions(opts.synth);
  if (!options) throw new Error("startThrowaway: --help is not synthetic data");
  return seededStage(binDir, opts.cron === true, options);
}

/**
 * Starts a fresh cluster; `migrate: false` leaves the migrations out (for tests that push them).
 * The migrations schedule pg_cron jobs; a test cluster keeps them inactive (a job firing mid-test
 * would change what the test sees) unless `cron: true`. With `synth`, it holds the data that
 * `npm run synth -- <synth>` would have generated (same options, same as-of date).
 */
export async function startThrowaway(name: string, opts: ThrowawayOptions = {}): Promise<Throwaway> {
  const env = loadEnv();
  ensurePackages(env.PG_BIN_DIR);
  const template = await ensureTemplate(stageFor(opts, env.PG_BIN_DIR), env.PG_BIN_DIR);
  const port = await freePort();
  const dir = path.join(projectRoot, ".local", "throwaway", `${name}-${process.pid}-${port}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const cluster: Cluster = { dir, port, binDir: env.PG_BIN_DIR, throwaway: true };
  const stop = () => {
    stopCluster(cluster);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    copyDataDir(template, dir);
    setPort(dir, port);
    if (opts.production) fs.appendFileSync(path.join(dir, "postgresql.conf"), productionSettings.join("\n") + "\n");
    await startOnFreePort(cluster);
  } catch (err) {
    stop();
    throw err;
  }
  return { ...cluster, url: localDatabaseUrl(cluster.port), stop };
}
