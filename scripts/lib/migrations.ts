// Migrations are applied with the real supabase CLI (`supabase db push`), as on a Supabase project.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "./config.ts";

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

/** The versions of the migration files, in order (the prefix before the first underscore). */
export function migrationVersions(): string[] {
  return fs.readdirSync(path.join(projectRoot, "supabase", "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) => f.split("_")[0]);
}
