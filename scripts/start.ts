// npm start [-- --users N] — the whole job on a fresh machine: the local cluster up, migrations pushed
// with the supabase CLI, synthetic operational data (10,000 users, the seed's scale), one pipeline run
// exactly as the cron job runs it, the run's alert delivered (to Slack when SLACK_WEBHOOK_URL is set,
// else printed), and a summary. Run it again: the cluster and data are reused and the pipeline runs
// incrementally. With DATABASE_URL set, it works on that database instead (no cluster, no synthetic data
// unless --users is given).
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { z } from "zod";
import { formatAlert, parseAlert } from "../functions/warehouse-alerts/slack.ts";
import { upCluster } from "./lib/cluster.ts";
import { runMain } from "./lib/cli.ts";
import { loadEnv, localClusterDir, localDatabaseUrl, projectRoot } from "./lib/config.ts";
import { LOCAL_DEV_SECRET, startFunctions } from "./lib/functions.ts";
import { pushMigrations } from "./lib/migrations.ts";
import { formatRun, progressNotices, readRun, runPipeline } from "./lib/pipeline.ts";
import { formatSummary, readSummary } from "./lib/summary.ts";
import { freePort } from "./lib/throwaway.ts";

const options = z.object({ users: z.coerce.number().int().min(1).max(10_000_000).optional() });
const steps = 6;
const step = (n: number, what: string) => console.log(`\n[${n}/${steps}] ${what}`);

runMain(async () => {
  const { values } = parseArgs({ options: { users: { type: "string" } } });
  const parsed = options.safeParse(values);
  if (!parsed.success) throw new Error(`--users: ${parsed.error.issues[0].message}`);
  const env = loadEnv();
  const local = env.DATABASE_URL === undefined;

  step(1, local ? "local database" : "database (DATABASE_URL)");
  const url = local
    ? upCluster({ dir: localClusterDir(env), port: env.PGPORT, binDir: env.PG_BIN_DIR }, (l) => console.log(`  ${l}`))
    : env.DATABASE_URL!;
  console.log(`  ${local ? `PostgreSQL 15 on 127.0.0.1:${env.PGPORT}` : "using DATABASE_URL"}`);

  step(2, "migrations (supabase db push)");
  const pushed = pushMigrations(url);
  console.log(`  ${/up to date/i.test(pushed) ? "already up to date" : "applied"}`);

  // the pipeline's steps are printed as they finish (other notices are not for this summary)
  let showSteps = false;
  const sql = postgres(url, { max: 2, onnotice: progressNotices((line) => showSteps && console.log(`  ${line}`), () => {}) });
  try {
    step(3, "operational data");
    const [{ users }] = await sql`select count(*)::int as users from public.users`;
    if (parsed.data.users !== undefined || (local && users === 0)) {
      const n = parsed.data.users ?? 10_000;
      const res = spawnSync("npx", ["--no-install", "tsx", "scripts/synth.ts", "--users", String(n)], {
        cwd: projectRoot, encoding: "utf8", env: { ...process.env, DATABASE_URL: url },
      });
      if (res.status !== 0) throw new Error(`synthetic data failed: ${res.stderr.trim() || res.stdout.trim()}`);
      console.log(`  ${res.stdout.trim()}`);
    } else {
      console.log(`  kept the ${users.toLocaleString("en-US")} users already there (--users N makes new synthetic data)`);
    }

    step(4, "pipeline (call warehouse.run_pipeline(), as the cron job does)");
    showSteps = true;
    const runId = await runPipeline(sql);
    showSteps = false;
    const run = await readRun(sql, runId);
    console.log(`  ${formatRun(run).split("\n")[0]}`);

    step(5, "alert");
    if (env.SLACK_WEBHOOK_URL) {
      const port = await freePort(56100);
      const secret = env.WAREHOUSE_FUNCTION_SECRET ?? LOCAL_DEV_SECRET;
      const server = await startFunctions({
        port, env: { SUPABASE_DB_URL: url, WAREHOUSE_FUNCTION_SECRET: secret, SLACK_WEBHOOK_URL: env.SLACK_WEBHOOK_URL },
      });
      try {
        const res = await fetch(`${server.url}/functions/v1/warehouse-alerts`, {
          method: "POST", headers: { "content-type": "application/json", "x-warehouse-secret": secret }, body: "{}",
        });
        console.log(`  warehouse-alerts: ${res.status} ${await res.text()}`);
      } finally {
        await server.stop();
      }
    } else {
      const [alert] = await sql`select * from warehouse.alert_outbox where run_id = ${runId}`;
      if (alert) {
        console.log("  SLACK_WEBHOOK_URL is not set; the message Slack would get (it stays in warehouse.alert_outbox):");
        console.log(formatAlert(parseAlert(alert)).text.split("\n").map((l) => `    ${l}`).join("\n"));
      } else {
        console.log("  no alert for this run");
      }
    }

    step(6, "summary");
    console.log(formatSummary(await readSummary(sql, runId)));
    if (run.run.status === "failed") process.exitCode = 1;
  } finally {
    await sql.end();
  }

  console.log(local
    ? `\nThe warehouse is running. Connect: psql '${localDatabaseUrl(env.PGPORT)}'\nStop it: npm run local:down`
    : "\nDone.");
});
