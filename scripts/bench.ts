// npm run bench -- [--users N] [--query-runs N] [--out FILE] — how fast the warehouse is at a scale, on
// throwaway clusters: the floor (plain copies), the pipeline's initial load against a full-refresh
// baseline (sql/bench/full_refresh, compared mart by mart), a realistic day of change and the
// incremental run, the same day on two years of history, and the analysts' queries as the Metabase
// login (scripts/lib/bench/). Prints a table with the targets and writes JSON. Speed is measured here,
// never asserted by a test. Exit 0 done; 1 a failure or the marts and the baseline differ; 2 a usage mistake.
import fs from "node:fs";
import path from "node:path";
import { runMain } from "./lib/cli.ts";
import { UsageError } from "./lib/commands.ts";
import { projectRoot } from "./lib/config.ts";
import { parseBenchOptions, usage } from "./lib/bench/options.ts";
import { renderReport } from "./lib/bench/report.ts";
import { benchAsOf, disagreement, finish, runBench } from "./lib/bench/run.ts";
import { defaultAsOf } from "./synth.ts";

runMain(async () => {
  let options;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`error: ${err.message}`);
    process.exitCode = 2;
    return;
  }
  if (options === null) return console.log(usage);
  const date = new Date().toISOString().slice(0, 10);
  const out = path.resolve(options.out ?? path.join(projectRoot, "bench", "results", `${date}-${options.users}.json`));
  const asOf = benchAsOf(defaultAsOf());
  console.log(`bench: ${options.users.toLocaleString("en-US")} users, one year of synthetic data as of ${asOf}; results to ${path.relative(process.cwd(), out) || out}`);
  const result = finish(await runBench({ users: options.users, queryRuns: options.queryRuns, asOf, date }, (line) => console.log(line)));
  console.log(`\n${renderReport(result)}`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), out) || out}`);
  const differ = disagreement(result);
  if (differ) throw new Error(differ);
});
