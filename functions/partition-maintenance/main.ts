// partition-maintenance: wires the real deps. index.ts serves buildHandler(env); functions/_local/serve.ts
// serves it locally.
import { createClient } from "@supabase/supabase-js";
import postgres, { type Sql } from "postgres";
import { internalError } from "../_shared/http.ts";
import { type ArchiveStore, LocalStore, StorageStore } from "./archive.ts";
import { type Config, loadConfig } from "./config.ts";
import { withSession } from "./db.ts";
import { createHandler } from "./handler.ts";
import { runMaintenance } from "./maintenance.ts";

function archiveStore(config: Config): ArchiveStore {
  const target = config.archive;
  if (target.kind === "local") return new LocalStore(target.dir);
  const client = createClient(target.supabaseUrl, target.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  return new StorageStore(client, target.bucket);
}

export function buildHandler(env: Record<string, string | undefined>): (req: Request) => Promise<Response> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    // Served next to other functions (functions/_local/serve.ts): a bad environment disables this one only.
    console.error(err instanceof Error ? err.message : err);
    return () => Promise.resolve(internalError("partition-maintenance (not configured)", "see the error above"));
  }
  const store = archiveStore(config);
  // Connect on first use: a refused or malformed request never opens a connection. UTC, so dates,
  // the archives' timestamps and current_date are the same wherever the function runs.
  let sql: Sql | undefined;
  const db = () =>
    (sql ??= postgres(config.databaseUrl, {
      max: 2, // a concurrent call gets its own session, finds the lock taken and answers 409
      prepare: false,
      idle_timeout: 20,
      onnotice: () => {},
      connection: { TimeZone: "UTC", DateStyle: "ISO, MDY" },
    }));
  return createHandler(config, {
    run: (opts) => withSession(db(), (session) => runMaintenance({ db: session, store }, opts)),
  });
}
