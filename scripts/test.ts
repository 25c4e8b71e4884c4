// npm test — every suite, on a throwaway cluster that never touches the local demo data:
//   unit       tests of pure code in tests/unit through node --test (no database)
//   schema     npm run db:check: the migrations and the schema tree give the same database, and the
//              manifest lists the landed migrations unchanged (1 passed or 1 failed)
//   database   pgTAP files in tests/database through pg_prove
//   functions  Deno tests of the Edge Functions (functions/**/*.test.ts)
//   e2e        end-to-end tests in tests/e2e through node --test (each starts the clusters it needs)
// `npm test -- database e2e` runs only the named suites. The last line is "N passed, N failed".
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "./lib/config.ts";
import { runMain } from "./lib/cli.ts";
import { psql } from "./lib/cluster.ts";
import { migrationVersions } from "./lib/migrations.ts";
import { startThrowaway } from "./lib/throwaway.ts";

type Suite = "unit" | "schema" | "database" | "functions" | "e2e";
const allSuites: Suite[] = ["unit", "schema", "database", "functions", "e2e"];

interface Outcome {
  suite: Suite;
  passed: number;
  failed: number;
}

/** Runs a command, echoing its output (unless `echoOutput` is false), and returns the exit code and everything it printed. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, echoOutput = true): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: projectRoot, env: { ...process.env, ...env } });
    let output = "";
    const echo = (chunk: Buffer) => {
      output += chunk.toString();
      if (echoOutput) process.stdout.write(chunk);
    };
    child.stdout.on("data", echo);
    child.stderr.on("data", echo);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

function filesUnder(dir: string, suffix: string): string[] {
  const root = path.join(projectRoot, dir);
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(suffix) && !f.includes("node_modules"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Counts from a runner's own closing lines; a failing run that printed none counts as one failure. */
function counts(suite: Suite, code: number, output: string): Outcome {
  let passed = 0;
  let failed = 0;
  if (suite === "schema") {
    return { suite, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 };
  }
  if (suite === "database") {
    const total = Number(/Tests=(\d+)/.exec(output)?.[1] ?? 0);
    for (const m of output.matchAll(/Failed (\d+)\/(\d+) subtests/g)) failed += Number(m[1]);
    passed = total - failed;
  } else if (suite === "functions") {
    const m = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(output);
    passed = Number(m?.[1] ?? 0);
    failed = Number(m?.[2] ?? 0);
  } else {
    passed = Number(/^# pass (\d+)/m.exec(output)?.[1] ?? 0);
    failed = Number(/^# fail (\d+)/m.exec(output)?.[1] ?? 0);
  }
  if (code !== 0 && failed === 0) failed = 1;
  return { suite, passed, failed };
}

async function unitSuite(): Promise<Outcome> {
  const files = filesUnder("tests/unit", ".test.ts");
  if (files.length === 0) return { suite: "unit", passed: 0, failed: 0 };
  const { code, output } = await run("node", ["--import", "tsx", "--test", ...files]);
  return counts("unit", code, output);
}

/** db:check as one test: passed when the migrations and the tree agree and the manifest holds. */
async function schemaSuite(): Promise<Outcome> {
  const { code, output } = await run("npx", ["--no-install", "tsx", "scripts/db-check.ts"]);
  return counts("schema", code, output);
}

async function databaseSuite(): Promise<Outcome> {
  const files = filesUnder("tests/database", "_test.sql");
  const db = await startThrowaway("pgtap");
  try {
    for (const helper of filesUnder("tests/database/setup", ".sql")) psql(db.url, ["-f", path.join(projectRoot, helper)], { quiet: true });
    const url = new URL(db.url);
    const { code, output } = await run("pg_prove", [
      "-h", "127.0.0.1", "-p", String(db.port), "-U", "postgres", "-d", "postgres",
      "--set", `migration_versions=${migrationVersions().join(",")}`,
      ...files,
    ], {
      PGPASSWORD: decodeURIComponent(url.password),
      // the pipeline reports every step as a NOTICE (progress for a person watching): not test output
      PGOPTIONS: "-c client_min_messages=warning",
    });
    return counts("database", code, output);
  } finally {
    db.stop();
  }
}

async function functionsSuite(): Promise<Outcome> {
  const files = filesUnder("functions", ".test.ts");
  if (files.length === 0) return { suite: "functions", passed: 0, failed: 0 };
  const { code, output } = await run("npx", [
    "--no-install", "deno", "test", "--config", "functions/deno.json", "--allow-net", "--allow-env", "--allow-read",
    "--allow-write", "--allow-run", ...files,
  ], { NO_COLOR: "1" });
  return counts("functions", code, output);
}

/**
 * E2E files that run in a second `node --test` process beside the others (each file still has its
 * own cluster): cron mostly waits for pg_cron's next minute, db_check mostly waits on migra's diff
 * (about two minutes); together they take about as long as all the rest, so both cores work.
 * The second process's output is printed when both are done.
 */
const sideLaneE2e = ["tests/e2e/cron.test.ts", "tests/e2e/db_check.test.ts"];

async function e2eSuite(): Promise<Outcome> {
  const files = filesUnder("tests/e2e", ".test.ts");
  if (files.length === 0) return { suite: "e2e", passed: 0, failed: 0 };
  const lanes = [files.filter((f) => !sideLaneE2e.includes(f)), files.filter((f) => sideLaneE2e.includes(f))].filter((l) => l.length > 0);
  const results = await Promise.all(
    lanes.map((lane, i) => run("node", ["--import", "tsx", "--test", "--test-concurrency=1", ...lane], {}, i === 0)),
  );
  for (const r of results.slice(1)) process.stdout.write(r.output);
  return results
    .map((r) => counts("e2e", r.code, r.output))
    .reduce((a, b) => ({ suite: "e2e", passed: a.passed + b.passed, failed: a.failed + b.failed }));
}

const suites: Record<Suite, () => Promise<Outcome>> = {
  unit: unitSuite,
  schema: schemaSuite,
  database: databaseSuite,
  functions: functionsSuite,
  e2e: e2eSuite,
};

runMain(async () => {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((s) => !allSuites.includes(s as Suite));
  if (unknown.length) throw new Error(`unknown suite ${unknown.join(", ")}; suites are ${allSuites.join(", ")}`);
  const chosen = asked.length ? (asked as Suite[]) : allSuites;
  const outcomes: Outcome[] = [];
  for (const suite of chosen) {
    console.log(`\n=== ${suite} ===`);
    outcomes.push(await suites[suite]());
  }
  console.log("\n=== summary ===");
  for (const o of outcomes) console.log(`${o.suite}: ${o.passed} passed, ${o.failed} failed`);
  const passed = outcomes.reduce((n, o) => n + o.passed, 0);
  const failed = outcomes.reduce((n, o) => n + o.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  if (failed > 0 || passed === 0) process.exitCode = 1;
});
