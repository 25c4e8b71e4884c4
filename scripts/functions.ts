// npm run functions — serve every Edge Function in functions/ locally with Deno, on
// http://127.0.0.1:$FUNCTIONS_PORT/functions/v1/<name> (default port 54321), against DATABASE_URL (default:
// the local cluster). Call them with `npm run invoke -- <name>`. Ctrl-C stops them.
//   WAREHOUSE_FUNCTION_SECRET  the shared secret callers present (default: local-dev-secret, local only)
//   SLACK_WEBHOOK_URL          where warehouse-alerts posts; unset: it posts nothing, alerts stay pending
import { runMain } from "./lib/cli.ts";
import { databaseUrl, loadEnv } from "./lib/config.ts";
import { LOCAL_DEV_SECRET, startFunctions } from "./lib/functions.ts";

runMain(async () => {
  const env = loadEnv();
  if (!env.WAREHOUSE_FUNCTION_SECRET) {
    console.error(`WAREHOUSE_FUNCTION_SECRET is not set: using "${LOCAL_DEV_SECRET}" (fine on 127.0.0.1; npm run invoke uses it too)`);
  }
  if (!env.SLACK_WEBHOOK_URL) {
    console.error("SLACK_WEBHOOK_URL is not set: warehouse-alerts will post nothing and alerts stay pending");
  }
  const server = await startFunctions({
    port: env.FUNCTIONS_PORT,
    env: {
      SUPABASE_DB_URL: databaseUrl(env),
      WAREHOUSE_FUNCTION_SECRET: env.WAREHOUSE_FUNCTION_SECRET ?? LOCAL_DEV_SECRET,
      SLACK_WEBHOOK_URL: env.SLACK_WEBHOOK_URL,
    },
    onOutput: (chunk) => process.stdout.write(chunk),
  });
  console.log(`serving on ${server.url}/functions/v1/<name>; Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    const shutdown = () => {
      process.off("SIGINT", shutdown);
      process.off("SIGTERM", shutdown);
      void server.stop().then(resolve);
    };
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
  });
});
