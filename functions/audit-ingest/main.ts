// Wiring: configuration from the environment it is given, a postgres.js client created on first use,
// and the handler. index.ts (Supabase) and functions/_local/serve.ts (local) both call buildHandler.
import postgres from "postgres";
import { z } from "zod";
import { json } from "../_shared/http.ts";
import { type Config, loadConfig } from "./config.ts";
import { createHandler, type InsertResult } from "./handler.ts";
import type { AuditRow } from "./parse.ts";

const ingestResult = z.object({
  inserted: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  conflicts: z.number().int().min(0),
});

export function buildHandler(env: Record<string, string | undefined>): (req: Request) => Promise<Response> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    // Say it once at start-up and refuse every request, rather than take down a server that hosts other functions.
    console.error((err as Error).message);
    return () => Promise.resolve(json(500, { error: "audit-ingest is not configured" }));
  }

  let sql: ReturnType<typeof postgres> | undefined;
  const db = () => (sql ??= postgres(config.databaseUrl, { max: 2, prepare: false, onnotice: () => {} }));

  return createHandler(config, {
    async insertRows(rows: AuditRow[]): Promise<InsertResult> {
      const client = db();
      const [row] = await client`select audit.ingest_statements(${client.json(rows as unknown as postgres.JSONValue)}) as result`;
      return ingestResult.parse(row.result);
    },
  });
}
