// Environment for every script, parsed once with zod. No other module reads process.env.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const envSchema = z.object({
  PGPORT: z.coerce.number().int().min(1024).max(65535).default(54322),
  DATABASE_URL: z.string().url().optional(),
  WAREHOUSE_LOCAL_DIR: z.string().min(1).optional(),
  PG_BIN_DIR: z.string().min(1).default("/usr/lib/postgresql/15/bin"),
  CI: z.string().optional(),
  // Edge Functions served locally (npm run functions) and called (npm run invoke)
  FUNCTIONS_PORT: z.coerce.number().int().min(1024).max(65535).default(54321),
  FUNCTIONS_URL: z.string().url().optional(),
  WAREHOUSE_FUNCTION_SECRET: z.string().min(1).optional(),
  SLACK_WEBHOOK_URL: z.string().url().optional(),
  // The schema tree and the migrations that db:check compares and db:migration writes to. Defaults:
  // supabase/config.toml (schema_paths are relative to its folder), supabase/migrations, and the
  // manifest beside the migrations folder (<migrations dir>.sha256).
  WAREHOUSE_SCHEMA_CONFIG: z.string().min(1).optional(),
  WAREHOUSE_MIGRATIONS_DIR: z.string().min(1).optional(),
  WAREHOUSE_MIGRATIONS_MANIFEST: z.string().min(1).optional(),
});

export type Env = z.infer<typeof envSchema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid environment variable ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

/** The URL of the local cluster on a port (user and password as Supabase's local database has them). */
export function localDatabaseUrl(port: number): string {
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
}

/** DATABASE_URL when set, else the local cluster on PGPORT. */
export function databaseUrl(env: Env = loadEnv()): string {
  return env.DATABASE_URL ?? localDatabaseUrl(env.PGPORT);
}

export function localClusterDir(env: Env = loadEnv()): string {
  return env.WAREHOUSE_LOCAL_DIR ?? path.join(projectRoot, ".local", "db");
}
