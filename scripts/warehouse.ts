// npm run warehouse -- <command> — the warehouse by hand: run the pipeline, show runs and tests, check
// freshness, forget a user, print the docs (scripts/lib/commands.ts; --help lists them). Against
// DATABASE_URL, default the local cluster. A command-line mistake exits 2, a database error 1.
import postgres from "postgres";
import { runMain } from "./lib/cli.ts";
import { connectionError, execute, parseCommandLine, UsageError } from "./lib/commands.ts";
import { databaseUrl, loadEnv } from "./lib/config.ts";
import { progressNotices } from "./lib/pipeline.ts";

runMain(async () => {
  let parsed;
  try {
    parsed = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`error: ${err.message}`);
    process.exitCode = 2;
    return;
  }
  if (parsed.kind === "help") return console.log(parsed.text);

  const url = databaseUrl(loadEnv());
  const sql = postgres(url, {
    max: 1,
    connect_timeout: 10,
    connection: { application_name: "warehouse-cli" },
    // a run's steps on stderr as they finish; the command's result on stdout
    onnotice: progressNotices((line) => console.error(line)),
  });
  try {
    try {
      await sql`select 1`;
    } catch (err) {
      throw connectionError(err, url);
    }
    const result = await execute(sql, parsed.command);
    if (result.text) console.log(result.text);
    if (result.note) console.error(result.note);
    process.exitCode = result.exitCode;
  } finally {
    await sql.end({ timeout: 5 });
  }
});
