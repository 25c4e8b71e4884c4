// npm run pipeline [-- --full-refresh] — run the warehouse pipeline once against DATABASE_URL
// (default: the local cluster), as the cron job would, and print what it did.
import { parseArgs } from "node:util";
import postgres from "postgres";
import { databaseUrl, loadEnv } from "./lib/config.ts";
import { runMain } from "./lib/cli.ts";
import { formatRun, progressNotices, readRun, runPipeline } from "./lib/pipeline.ts";

runMain(async () => {
  const { values } = parseArgs({ options: { "full-refresh": { type: "boolean", default: false } } });
  // each step on stderr as it finishes; the run's summary on stdout at the end
  const sql = postgres(databaseUrl(loadEnv()), { max: 1, onnotice: progressNotices((line) => console.error(line)) });
  try {
    console.error("pipeline: running (each step is printed as it finishes)");
    const runId = await runPipeline(sql, { fullRefresh: values["full-refresh"] });
    const result = await readRun(sql, runId);
    console.log(formatRun(result));
    if (result.run.status === "failed") process.exitCode = 1;
  } finally {
    await sql.end();
  }
});
