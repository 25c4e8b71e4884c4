// warehouse-alerts: wires the real deps. index.ts serves buildHandler(env); functions/_local/serve.ts
// serves it locally.
import postgres, { type Sql } from "postgres";
import { loadConfig } from "./config.ts";
import { dbDeps, type Outbox, slackPoster } from "./drain.ts";
import { createHandler } from "./handler.ts";

export function buildHandler(env: Record<string, string | undefined>): (req: Request) => Promise<Response> {
  const config = loadConfig(env);
  // Connect on first use: a refused or malformed request never opens a connection.
  let sql: Sql | undefined;
  const db = () => dbDeps((sql ??= postgres(config.databaseUrl, { max: 1, prepare: false, idle_timeout: 20, onnotice: () => {} })));
  const outbox: Outbox = {
    claim: (limit) => db().claim(limit),
    markDelivered: (id) => db().markDelivered(id),
    markFailed: (id, error) => db().markFailed(id, error),
  };
  const post = config.slackWebhookUrl ? slackPoster(config.slackWebhookUrl, fetch) : null;
  return createHandler(config, { outbox, post });
}
