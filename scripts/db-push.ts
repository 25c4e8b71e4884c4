// npm run db:push — apply supabase/migrations with the real supabase CLI to DATABASE_URL
// (default: the local cluster).
import { databaseUrl, loadEnv } from "./lib/config.ts";
import { runMain } from "./lib/cli.ts";
import { pushMigrations } from "./lib/migrations.ts";

runMain(() => {
  process.stdout.write(pushMigrations(databaseUrl(loadEnv())));
});
