// Throwaway clusters for tests: a fresh PostgreSQL cluster on a free loopback port, bootstrapped
// like Supabase, with the operational schema and every migration applied. pg_cron lives only in the
// `postgres` database, so isolation needs a whole cluster (initdb takes seconds), not a database.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { loadEnv, localDatabaseUrl, projectRoot } from "./config.ts";
import { type Cluster, ensurePackages, psql, stopCluster, upCluster } from "./cluster.ts";
import { pushMigrations } from "./migrations.ts";

export interface Throwaway extends Cluster {
  url: string;
  stop: () => void;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function freePort(from = 55400): Promise<number> {
  for (let port = from + Math.floor(Math.random() * 500); port < 65000; port++) {
    if (await portIsFree(port)) return port;
  }
  throw new Error("no free loopback port for a throwaway cluster");
}

/**
 * Starts a fresh cluster; `migrate: false` leaves the migrations out (for tests that push them).
 * The migrations schedule pg_cron jobs; a test cluster keeps them inactive (a job firing mid-test
 * would change what the test sees) unless `cron: true`.
 */
export async function startThrowaway(name: string, opts: { migrate?: boolean; cron?: boolean } = {}): Promise<Throwaway> {
  const env = loadEnv();
  ensurePackages(env.PG_BIN_DIR);
  const port = await freePort();
  const dir = path.join(projectRoot, ".local", "throwaway", `${name}-${process.pid}-${port}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const cluster: Cluster = { dir, port, binDir: env.PG_BIN_DIR, throwaway: true };
  upCluster(cluster, () => {});
  const url = localDatabaseUrl(port);
  if (opts.migrate !== false) {
    pushMigrations(url);
    if (!opts.cron) psql(url, ["-c", "update cron.job set active = false"], { quiet: true });
  }
  const stop = () => {
    stopCluster(cluster);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { ...cluster, url, stop };
}
