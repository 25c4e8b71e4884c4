// The partition-maintenance function's environment, parsed once with zod. No other module reads the env.
//
// Archives go to Supabase Storage when SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY and ARCHIVE_BUCKET are
// all set (on a Supabase project the first two always are: ARCHIVE_BUCKET decides), else to a local
// folder, ARCHIVE_DIR (default ./.local/archive, relative to the working directory).
import { z } from "zod";

export const DEFAULT_ARCHIVE_DIR = "./.local/archive";

// The edge runtime (and shells) may set a variable to "": treat that as unset.
const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

const envSchema = z
  .object({
    SUPABASE_DB_URL: z.preprocess(
      blankToUndefined,
      z.url({ error: (iss) => (iss.input === undefined ? "is required" : "must be a URL") }),
    ),
    SUPABASE_URL: optional(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })),
    SUPABASE_SERVICE_ROLE_KEY: optional(z.string()),
    ARCHIVE_BUCKET: optional(
      z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "must be a bucket name (lowercase letters, digits, . _ -)"),
    ),
    ARCHIVE_DIR: optional(z.string()),
    WAREHOUSE_FUNCTION_SECRET: optional(z.string().min(16, "must be at least 16 characters")),
  })
  .refine((e) => e.SUPABASE_SERVICE_ROLE_KEY !== undefined || e.WAREHOUSE_FUNCTION_SECRET !== undefined, {
    path: ["SUPABASE_SERVICE_ROLE_KEY"],
    message: "is required unless WAREHOUSE_FUNCTION_SECRET is set (callers must present one of them)",
  })
  .refine((e) => e.ARCHIVE_BUCKET === undefined || (e.SUPABASE_URL !== undefined && e.SUPABASE_SERVICE_ROLE_KEY !== undefined), {
    path: ["ARCHIVE_BUCKET"],
    message: "needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (Storage is reached with the service-role key)",
  });

export type ArchiveTarget =
  | { kind: "storage"; supabaseUrl: string; serviceRoleKey: string; bucket: string }
  | { kind: "local"; dir: string };

export interface Config {
  databaseUrl: string;
  serviceRoleKey?: string;
  sharedSecret?: string;
  archive: ArchiveTarget;
}

/** Parses the environment; throws one line naming the first missing or invalid variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`partition-maintenance: environment variable ${issue.path.join(".")} ${issue.message}`);
  }
  const e = parsed.data;
  const archive: ArchiveTarget = e.ARCHIVE_BUCKET !== undefined && e.SUPABASE_URL !== undefined && e.SUPABASE_SERVICE_ROLE_KEY !== undefined
    ? { kind: "storage", supabaseUrl: e.SUPABASE_URL, serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY, bucket: e.ARCHIVE_BUCKET }
    : { kind: "local", dir: e.ARCHIVE_DIR ?? DEFAULT_ARCHIVE_DIR };
  return {
    databaseUrl: e.SUPABASE_DB_URL,
    serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY,
    sharedSecret: e.WAREHOUSE_FUNCTION_SECRET,
    archive,
  };
}
