// audit-ingest's environment, parsed once with zod. Only main.ts calls this, with the environment index.ts reads.
import { z } from "zod";
import type { Credentials } from "../_shared/auth.ts";

const optionalSecret = z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional());

const envSchema = z.object({
  SUPABASE_DB_URL: z.string({ error: "is required" }).regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// URL"),
  SUPABASE_SERVICE_ROLE_KEY: optionalSecret,
  WAREHOUSE_FUNCTION_SECRET: optionalSecret,
}).refine((env) => env.SUPABASE_SERVICE_ROLE_KEY || env.WAREHOUSE_FUNCTION_SECRET, {
  message: "set SUPABASE_SERVICE_ROLE_KEY or WAREHOUSE_FUNCTION_SECRET (callers must present one of them)",
  path: ["WAREHOUSE_FUNCTION_SECRET"],
});

export interface Config {
  databaseUrl: string;
  credentials: Credentials;
}

/** The function's configuration; throws an Error naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`audit-ingest: invalid environment variable ${issue.path.join(".")}: ${issue.message}`);
  }
  return {
    databaseUrl: parsed.data.SUPABASE_DB_URL,
    credentials: {
      serviceRoleKey: parsed.data.SUPABASE_SERVICE_ROLE_KEY,
      sharedSecret: parsed.data.WAREHOUSE_FUNCTION_SECRET,
    },
  };
}
