// Migrations are applied with the real supabase CLI (`supabase db push`), as on a Supabase project.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { loadEnv, projectRoot } from "./config.ts";
import { psqlFileAsync } from "./schema-tree.ts";

const defaultMigrationsDir = path.join(projectRoot, "supabase", "migrations");

/** The migrations folder (WAREHOUSE_MIGRATIONS_DIR, default supabase/migrations). */
export function migrationsDir(): string {
  const configured = loadEnv().WAREHOUSE_MIGRATIONS_DIR;
  return configured ? path.resolve(configured) : defaultMigrationsDir;
}

/** A migration file's name: <14-digit timestamp>_<name>.sql. */
export const migrationFileName = /^(\d{14})_([a-z0-9_]+)\.sql$/;

/** The migration files of `dir`, in the order they are applied (names only). */
export function migrationFiles(dir = migrationsDir()): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
}

/** Applies supabase/migrations to `url`; Vault secrets are skipped (the warehouse keeps none in config.toml). */
export function pushMigrations(url: string): string {
  const res = spawnSync(
    "npx",
    ["--no-install", "supabase", "db", "push", "--db-url", url, "--yes", "--skip-vault"],
    { cwd: projectRoot, encoding: "utf8" },
  );
  const output = `${res.stdout}${res.stderr}`;
  if (res.status !== 0) throw new Error(`supabase db push failed:\n${output}`);
  return output;
}

/** YYYYMMDDHHMMSS in UTC, later than every existing migration. */
export function nextVersion(existing: string[], now = new Date()): string {
  const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  let version = stamp(now);
  const last = existing.map((f) => f.slice(0, 14)).filter((v) => /^\d{14}$/.test(v)).sort().pop();
  if (last && version <= last) {
    const d = new Date(Date.UTC(+last.slice(0, 4), +last.slice(4, 6) - 1, +last.slice(6, 8), +last.slice(8, 10), +last.slice(10, 12), +last.slice(12, 14) + 1));
    version = stamp(d);
  }
  return version;
}

/** `supabase db push` without blocking the event loop (so that two clusters can be built at once). */
function pushMigrationsAsync(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["--no-install", "supabase", "db", "push", "--db-url", url, "--yes", "--skip-vault"], {
      cwd: projectRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`supabase db push failed:\n${output}`))));
  });
}

/**
 * Applies the migrations folder to `url`: supabase/migrations with the real supabase CLI (as on a
 * Supabase project; it also records the versions in supabase_migrations), any other folder
 * (WAREHOUSE_MIGRATIONS_DIR) file by file with psql.
 */
export async function applyMigrations(url: string, dir = migrationsDir()): Promise<void> {
  if (path.resolve(dir) === defaultMigrationsDir) {
    await pushMigrationsAsync(url);
    return;
  }
  for (const file of migrationFiles(dir)) {
    try {
      await psqlFileAsync(url, path.join(dir, file));
    } catch (err) {
      throw new Error(`applying migration ${file} failed: ${(err as Error).message}`);
    }
  }
}

/** The versions of the migration files, in order (the prefix before the first underscore). */
export function migrationVersions(): string[] {
  return fs.readdirSync(path.join(projectRoot, "supabase", "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) => f.split("_")[0]);
}
