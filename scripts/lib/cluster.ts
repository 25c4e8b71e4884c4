// A plain PostgreSQL 15 cluster that looks like Supabase's database to the warehouse:
// pg_cron and pgaudit preloaded, pgTAP available, Supabase's roles and `extensions` schema.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { localDatabaseUrl, projectRoot } from "./config.ts";

/** The Debian packages the local cluster and the test suite need. */
export const debianPackages = [
  "postgresql-15",
  "postgresql-15-cron",
  "postgresql-15-pgtap",
  "postgresql-15-pgaudit",
  "libtap-parser-sourcehandler-pgtap-perl",
];

export interface Cluster {
  dir: string;
  port: number;
  binDir: string;
  /** Settings for a throwaway cluster: no fsync, quicker but not crash-safe. */
  throwaway?: boolean;
}

const isRoot = process.getuid?.() === 0;

function missingPackageFiles(binDir: string): string[] {
  const share = "/usr/share/postgresql/15/extension";
  const lib = "/usr/lib/postgresql/15/lib";
  const wanted: Array<[string, string]> = [
    [path.join(binDir, "initdb"), "postgresql-15"],
    [path.join(lib, "pg_cron.so"), "postgresql-15-cron"],
    [path.join(share, "pgtap.control"), "postgresql-15-pgtap"],
    [path.join(lib, "pgaudit.so"), "postgresql-15-pgaudit"],
    ["/usr/bin/pg_prove", "libtap-parser-sourcehandler-pgtap-perl"],
  ];
  return wanted.filter(([file]) => !fs.existsSync(file)).map(([, pkg]) => pkg);
}

/** Installs the Debian packages when they are missing and we are root; otherwise says which to install. */
export function ensurePackages(binDir: string, log: (line: string) => void = console.error): void {
  const missing = missingPackageFiles(binDir);
  if (missing.length === 0) return;
  if (!isRoot) {
    throw new Error(
      `missing Debian packages: ${missing.join(" ")}. Install them with: sudo apt-get update && sudo apt-get install -y ${missing.join(" ")}`,
    );
  }
  log(`installing Debian packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", ...debianPackages], { stdio: "inherit", env });
  const still = missingPackageFiles(binDir);
  if (still.length > 0) throw new Error(`apt-get finished but these packages are still missing: ${still.join(" ")}`);
}

/** Runs a PostgreSQL server binary; as root it runs as the `postgres` OS user (the server refuses root). */
function runPg(binDir: string, tool: string, args: string[], opts: { quiet?: boolean } = {}): string {
  const bin = path.join(binDir, tool);
  const [cmd, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  const res = spawnSync(cmd, argv, { encoding: "utf8" });
  if (res.status !== 0) {
    throw new Error(`${tool} ${args.join(" ")} failed (exit ${res.status}):\n${res.stderr}${res.stdout}`);
  }
  if (!opts.quiet && res.stderr.trim()) process.stderr.write(res.stderr);
  return res.stdout;
}

/** The server's own account must reach the folder; as root, it is handed to `postgres`. */
function prepareDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  if (!isRoot) return;
  execFileSync("chown", ["postgres:postgres", dir]);
  const probe = spawnSync("runuser", ["-u", "postgres", "--", "test", "-w", dir]);
  if (probe.status !== 0) {
    throw new Error(
      `the postgres OS user cannot write ${dir} (a parent folder is not traversable); set WAREHOUSE_LOCAL_DIR to a folder it can reach`,
    );
  }
}

function serverSettings(c: Cluster): string {
  const lines = [
    "# --- PetForce warehouse local settings (written by scripts/lib/cluster.ts) ---",
    "listen_addresses = '127.0.0.1'",
    `port = ${c.port}`,
    "unix_socket_directories = ''",
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    "shared_preload_libraries = 'pg_cron,pgaudit'",
    "cron.database_name = 'postgres'",
    "cron.use_background_workers = on",
    "max_worker_processes = 16",
    "max_connections = 60",
    "shared_buffers = '512MB'",
    "work_mem = '64MB'",
    "maintenance_work_mem = '512MB'",
    "max_wal_size = '4GB'",
    // No replication locally: minimal WAL makes bulk loads into freshly truncated tables much cheaper.
    "wal_level = minimal",
    "max_wal_senders = 0",
    "logging_collector = on",
    "log_destination = 'stderr,jsonlog'",
    "log_directory = 'log'",
    "log_filename = 'postgresql-%Y-%m-%d_%H%M%S.log'",
    "log_min_messages = warning",
    "pgaudit.log_relation = on",
    "pgaudit.log_parameter = off",
  ];
  if (c.throwaway) lines.push("fsync = off", "synchronous_commit = off", "full_page_writes = off");
  return lines.join("\n") + "\n";
}

/** Points a data directory at another port: rewrites the `port = N` line serverSettings appended. */
export function setPort(dir: string, port: number): void {
  const conf = path.join(dir, "postgresql.conf");
  const text = fs.readFileSync(conf, "utf8");
  if (!/^port = \d+$/m.test(text)) throw new Error(`${conf} has no "port = N" line to rewrite`);
  fs.writeFileSync(conf, text.replace(/^port = \d+$/gm, `port = ${port}`));
}

/** Copies a stopped cluster's data directory (`cp -a`); as root, the copy is handed to `postgres`. */
export function copyDataDir(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  execFileSync("cp", ["-a", from, to]);
  if (isRoot) execFileSync("chown", ["-R", "postgres:postgres", to]);
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free loopback port, from a random point above `from` (so that two callers rarely race for one). */
export async function freePort(from = 55400): Promise<number> {
  for (let port = from + Math.floor(Math.random() * 500); port < 65000; port++) {
    if (await portIsFree(port)) return port;
  }
  throw new Error("no free loopback port for a throwaway cluster");
}

export function isInitialised(c: Cluster): boolean {
  return fs.existsSync(path.join(c.dir, "PG_VERSION"));
}

export function initCluster(c: Cluster): void {
  if (isInitialised(c)) return;
  prepareDir(c.dir);
  const pwfile = path.join(c.dir, "..", `.pw-${path.basename(c.dir)}`);
  fs.writeFileSync(pwfile, "postgres\n", { mode: 0o644 });
  try {
    runPg(c.binDir, "initdb", [
      "-D", c.dir, "-U", "postgres", "--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
      "--encoding=UTF8", "--locale=C.UTF-8",
    ], { quiet: true });
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
  fs.appendFileSync(path.join(c.dir, "postgresql.conf"), serverSettings(c));
  fs.writeFileSync(
    path.join(c.dir, "pg_hba.conf"),
    "# loopback only, passwords always\nhost all all 127.0.0.1/32 scram-sha-256\n",
  );
}

export function isRunning(c: Pick<Cluster, "dir" | "binDir">): boolean {
  const bin = path.join(c.binDir, "pg_ctl");
  const [cmd, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", bin, "status", "-D", c.dir]] : [bin, ["status", "-D", c.dir]];
  return spawnSync(cmd, argv).status === 0;
}

export function startCluster(c: Cluster): void {
  if (isRunning(c)) return;
  runPg(c.binDir, "pg_ctl", ["start", "-w", "-t", "120", "-D", c.dir, "-l", path.join(c.dir, "startup.log")], { quiet: true });
}

/** startCluster; when another process took the port meanwhile (freePort only looked), moves to another. */
export async function startOnFreePort(c: Cluster): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      startCluster(c);
      return;
    } catch (err) {
      if (attempt >= 3 || (await portIsFree(c.port))) throw err;
      c.port = await freePort();
      setPort(c.dir, c.port);
    }
  }
}

export function stopCluster(c: Pick<Cluster, "dir" | "binDir">): boolean {
  if (!fs.existsSync(path.join(c.dir, "PG_VERSION"))) return false;
  if (!isRunning(c)) return false;
  runPg(c.binDir, "pg_ctl", ["stop", "-w", "-m", "fast", "-D", c.dir], { quiet: true });
  return true;
}

/** psql against a URL: runs a file or a command, stops at the first error. */
export function psql(url: string, args: string[], opts: { quiet?: boolean } = {}): string {
  const res = spawnSync("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-q", "-d", url, ...args], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`psql ${args.join(" ")} failed:\n${res.stderr}`);
  if (!opts.quiet && res.stderr.trim()) process.stderr.write(res.stderr);
  return res.stdout;
}

export function sqlFiles(folder: string): string[] {
  const dir = path.join(projectRoot, folder);
  return fs.readdirSync(dir).filter((f) => f.endsWith(".sql")).sort().map((f) => path.join(dir, f));
}

/** What Supabase has and plain PostgreSQL lacks: its roles and the `extensions` schema. */
export function bootstrapSupabase(url: string): void {
  psql(url, ["-f", path.join(projectRoot, "sql", "local", "supabase_bootstrap.sql")], { quiet: true });
}

/** The operational reference schema (PetForce's app tables), loaded before the migrations. */
export function loadOperationalSchema(url: string): void {
  for (const file of sqlFiles(path.join("sql", "operational"))) psql(url, ["-f", file], { quiet: true });
}

/** Makes (or reuses) and starts a cluster, bootstraps it, loads the app schema; returns its URL. */
export function upCluster(c: Cluster, log: (line: string) => void = console.error): string {
  ensurePackages(c.binDir, log);
  if (!isInitialised(c)) {
    log(`creating a PostgreSQL 15 cluster in ${c.dir}`);
    initCluster(c);
  }
  if (!isRunning(c)) {
    log(`starting PostgreSQL on 127.0.0.1:${c.port}`);
    startCluster(c);
  }
  const url = localDatabaseUrl(c.port);
  bootstrapSupabase(url);
  loadOperationalSchema(url);
  return url;
}
