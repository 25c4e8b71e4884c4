// The warehouse-alerts function's environment, parsed once with zod. No other module reads the env.
import { z } from "zod";

// The edge runtime (and shells) may set a variable to "": treat that as unset.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

const envSchema = z
  .object({
    SUPABASE_DB_URL: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z.url({ error: (iss) => (iss.input === undefined ? "is required" : "must be a URL") }),
    ),
    SLACK_WEBHOOK_URL: optional(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })),
    SUPABASE_SERVICE_ROLE_KEY: optional(z.string()),
    WAREHOUSE_FUNCTION_SECRET: optional(z.string().min(16, "must be at least 16 characters")),
    WAREHOUSE_REPORT_URL: optional(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })),
  })
  .refine((e) => e.SUPABASE_SERVICE_ROLE_KEY !== undefined || e.WAREHOUSE_FUNCTION_SECRET !== undefined, {
    path: ["SUPABASE_SERVICE_ROLE_KEY"],
    message: "is required unless WAREHOUSE_FUNCTION_SECRET is set (callers must present one of them)",
  });

export interface Config {
  databaseUrl: string;
  /** Where messages are posted; null: the function posts nothing and alerts stay pending. */
  slackWebhookUrl: string | null;
  serviceRoleKey?: string;
  sharedSecret?: string;
  /** A page people may open from a message (a dashboard); never a database or host address. */
  reportUrl: string | null;
}

/** Parses the environment; throws one line naming the first missing or invalid variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`warehouse-alerts: environment variable ${issue.path.join(".")} ${issue.message}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.SUPABASE_DB_URL,
    slackWebhookUrl: e.SLACK_WEBHOOK_URL ?? null,
    serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY,
    sharedSecret: e.WAREHOUSE_FUNCTION_SECRET,
    reportUrl: e.WAREHOUSE_REPORT_URL ?? null,
  };
}
