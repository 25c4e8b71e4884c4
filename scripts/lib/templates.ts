// Template data directories for throwaway clusters. Building a cluster (initdb, the Supabase bootstrap,
// the operational schema, `supabase db push`, synthetic data) is the slow part of a test's setup, so
// each stage is built once, stopped cleanly and kept in .local/templates/<family>-<key>; a throwaway
// cluster starts from a copy of it (throwaway.ts). The key hashes everything that shapes a stage (the
// files it reads, the server's version, its options, and its parent stage's key), so a stale template
// is never reused. The stages: base (no migrations) → migrated (cron jobs inactive, or left active) →
// seeded (the data of `npm run synth` for given options). A build holds a lock directory and is
// published by an atomic rename, so several test processes can ask for a template at once.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type SynthOptions, synth } from "../synth.ts";
import { localDatabaseUrl, projectRoot } from "./config.ts";
import {
  bootstrapSupabase,
  type Cluster,
  copyDataDir,
  freePort,
  initCluster,
  loadOperationalSchema,
  psql,
  setPort,
  startOnFreePort,
  stopCluster,
} from "./cluster.ts";
import { pushMigrations } from "./migrations.ts";

export const templatesDir = path.join(projectRoot, ".local", "templates");

/** One stage of a template: what it adds to a copy of its parent, and what its result depends on. */
export interface Stage {
  /** The folder is `<family>-<key>`; a family keeps one current template (older keys are pruned). */
  family: string;
  /** Files and folders (relative to the project root, or absolute) whose contents shape the stage. */
  inputs: string[];
  /** Anything else that shapes it: options, versions. */
  facts: string[];
  parent?: Stage;
  /** Adds the stage to the running cluster at `url` (for the base stage: a cluster just initdb'd). */
  build: (url: string) => Promise<void>;
}

/** A build that was disturbed (a cron job fired during it) and is simply done again. */
class RetryBuild extends Error {}

const lockWaitMs = 15 * 60 * 1000;
/** A template of another key of the same family, unused this long, is stale: removed at the next build. */
const staleAfterMs = 10 * 60 * 1000;
/** Any template unused this long is removed at the next build. */
const forgottenAfterMs = 2 * 24 * 60 * 60 * 1000;

function hashInput(hash: crypto.Hash, input: string): void {
  const abs = path.resolve(projectRoot, input);
  hash.update(`\0${input}\0`);
  if (!fs.existsSync(abs)) {
    hash.update("(missing)");
    return;
  }
  if (!fs.statSync(abs).isDirectory()) {
    hash.update(fs.readFileSync(abs));
    return;
  }
  for (const name of fs.readdirSync(abs, { recursive: true, encoding: "utf8" }).sort()) {
    const file = path.join(abs, name);
    if (!fs.statSync(file).isFile()) continue;
    hash.update(`\0${name}\0`);
    hash.update(fs.readFileSync(file));
  }
}

/** The stage's key: a hash of its parent's key, its family, facts and the contents of its inputs. */
export function stageKey(stage: Stage): string {
  const hash = crypto.createHash("sha256");
  hash.update(stage.parent ? stageKey(stage.parent) : "");
  hash.update(`\0${stage.family}`);
  for (const fact of stage.facts) hash.update(`\0${fact}`);
  for (const input of stage.inputs) hashInput(hash, input);
  return hash.digest("hex").slice(0, 16);
}

function serverVersion(binDir: string): string {
  const res = spawnSync(path.join(binDir, "postgres"), ["--version"], { encoding: "utf8" });
  return `${binDir}: ${res.stdout.trim()}`;
}

/** initdb, the Supabase bootstrap and the operational schema; no migrations. */
export function baseStage(binDir: string): Stage {
  const extensions = ["pg_cron", "pgaudit", "pgtap"].map((e) => `/usr/share/postgresql/15/extension/${e}.control`);
  return {
    family: "base",
    inputs: ["scripts/lib/cluster.ts", "scripts/lib/templates.ts", "sql/local", "sql/operational", ...extensions],
    facts: [serverVersion(binDir)],
    build: async (url) => {
      bootstrapSupabase(url);
      loadOperationalSchema(url);
    },
  };
}

/** Fails the build (to be done again) when a cron job ran between the push and its deactivation. */
function assertNoCronRuns(url: string): void {
  const ran = psql(url, ["-At", "-c", "select count(*) from cron.job_run_details"], { quiet: true }).trim();
  if (ran !== "0") throw new RetryBuild("a pg_cron job ran while the template was built");
}

/** Every migration pushed with `supabase db push`; their pg_cron jobs inactive unless `cron`. */
export function migratedStage(binDir: string, cron: boolean): Stage {
  return {
    family: cron ? "migrated-cron" : "migrated",
    inputs: ["supabase/migrations", "supabase/config.toml", "scripts/lib/migrations.ts", "node_modules/supabase/package.json"],
    facts: [`cron=${cron}`],
    parent: baseStage(binDir),
    build: async (url) => {
      pushMigrations(url);
      if (cron) return;
      psql(url, ["-c", "update cron.job set active = false"], { quiet: true });
      assertNoCronRuns(url);
    },
  };
}

/** The migrated cluster with the data `npm run synth` makes for `options` (which must not append). */
export function seededStage(binDir: string, cron: boolean, options: SynthOptions): Stage {
  if (options.append) throw new Error("a seeded template cannot --append");
  return {
    family: `seeded-u${options.users}-s${options.seed}${options.years > 1 ? `-y${options.years}` : ""}${cron ? "-cron" : ""}`,
    inputs: ["sql/synth", "scripts/synth.ts"],
    facts: [`users=${options.users}`, `seed=${options.seed}`, `as-of=${options.asOf}`, `years=${options.years}`],
    parent: migratedStage(binDir, cron),
    build: async (url) => {
      await synth(url, options);
    },
  };
}

function isTemplate(dir: string): boolean {
  return fs.existsSync(path.join(dir, "PG_VERSION"));
}

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function lockOwner(lock: string): number {
  try {
    return Number(fs.readFileSync(path.join(lock, "pid"), "utf8")) || 0;
  } catch {
    return 0;
  }
}

/** Takes the lock directory; false when another live process holds it (a dead holder's lock is removed). */
function takeLock(lock: string): boolean {
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  try {
    fs.mkdirSync(lock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const owner = lockOwner(lock);
    const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    // no pid yet: the holder is between mkdir and writing it, unless that was long ago
    if (owner ? !pidIsAlive(owner) : age > 60_000) fs.rmSync(lock, { recursive: true, force: true });
    return false;
  }
  fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
  return true;
}

/** Stops and removes what a killed builder of this template left behind (called under its lock). */
function removeLeftoverBuilds(prefix: string, binDir: string): void {
  for (const name of fs.readdirSync(templatesDir).filter((n) => n.startsWith(prefix))) {
    const dir = path.join(templatesDir, name);
    try {
      stopCluster({ dir, binDir });
    } catch {
      // not a cluster that can be stopped: removed all the same
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A template must not carry its build's server logs into the copies (tests read a copy's log folder). */
function clearLogs(dir: string): void {
  fs.rmSync(path.join(dir, "startup.log"), { force: true });
  const logs = path.join(dir, "log");
  if (!fs.existsSync(logs)) return;
  for (const name of fs.readdirSync(logs)) fs.rmSync(path.join(logs, name), { recursive: true, force: true });
}

/** Removes other keys of the family that nobody used lately, and any template long unused. */
function pruneTemplates(family: string, keep: string): void {
  const now = Date.now();
  const sameFamily = new RegExp(`^${family.replace(/[^a-z0-9]/gi, "\\$&")}-[0-9a-f]{16}$`);
  for (const name of fs.readdirSync(templatesDir).filter((n) => !n.startsWith(".") && n !== path.basename(keep))) {
    const dir = path.join(templatesDir, name);
    const idle = now - (fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? now);
    if ((sameFamily.test(name) && idle > staleAfterMs) || idle > forgottenAfterMs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the stage into a private folder (from a copy of its parent's template), then renames it into place. */
async function buildTemplate(stage: Stage, dir: string, binDir: string): Promise<void> {
  const parent = stage.parent ? await ensureTemplate(stage.parent, binDir) : null;
  const prefix = `.build-${path.basename(dir)}-`;
  removeLeftoverBuilds(prefix, binDir);
  const cluster: Cluster = { dir: path.join(templatesDir, `${prefix}${process.pid}`), port: await freePort(), binDir, throwaway: true };
  try {
    if (parent) {
      copyDataDir(parent, cluster.dir);
      setPort(cluster.dir, cluster.port);
    } else {
      initCluster(cluster);
    }
    await startOnFreePort(cluster);
    await stage.build(localDatabaseUrl(cluster.port));
    stopCluster(cluster);
    clearLogs(cluster.dir);
    fs.renameSync(cluster.dir, dir);
  } finally {
    stopCluster(cluster);
    fs.rmSync(cluster.dir, { recursive: true, force: true });
  }
  pruneTemplates(stage.family, dir);
}

/** The stage's template folder, built first when there is none for the current key. */
export async function ensureTemplate(stage: Stage, binDir: string): Promise<string> {
  const name = `${stage.family}-${stageKey(stage)}`;
  const dir = path.join(templatesDir, name);
  const lock = path.join(templatesDir, `.${name}.lock`);
  const deadline = Date.now() + lockWaitMs;
  for (let attempts = 0; !isTemplate(dir); ) {
    if (!takeLock(lock)) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${lock} (remove it if no test is running)`);
      await sleep(200);
      continue;
    }
    try {
      if (!isTemplate(dir)) await buildTemplate(stage, dir, binDir);
    } catch (err) {
      if (!(err instanceof RetryBuild) || ++attempts >= 3) throw err;
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
  const now = new Date();
  fs.utimesSync(dir, now, now);
  return dir;
}
