// npm run bench [-- --users N] — how fast the warehouse is at a given scale, on a throwaway cluster:
// synthetic data, the first (full) pipeline run, a 1% change and the incremental run, and the seed's
// example queries as an analyst (target: under 5 s at p95). Prints a table; asserts nothing (speed is
// measured here, never by a timed test).
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { z } from "zod";
import { runMain } from "./lib/cli.ts";
import { projectRoot } from "./lib/config.ts";
import { readRun, runPipeline } from "./lib/pipeline.ts";
import { defaultAsOf, synth } from "./synth.ts";
import { startThrowaway } from "./lib/throwaway.ts";

const options = z.object({ users: z.coerce.number().int().min(100).max(10_000_000).default(100_000) });

async function timed<T>(label: string, rows: Array<[string, string]>, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  rows.push([label, `${((performance.now() - started) / 1000).toFixed(1)} s`]);
  console.log(`${label}: ${rows[rows.length - 1][1]}`);
  return result;
}

runMain(async () => {
  const { values } = parseArgs({ options: { users: { type: "string" } } });
  const parsed = options.safeParse(values);
  if (!parsed.success) throw new Error(`--users: ${parsed.error.issues[0].message}`);
  const { users } = parsed.data;
  const db = await startThrowaway("bench");
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  const rows: Array<[string, string]> = [];
  try {
    const made = await timed(`synthetic data (${users.toLocaleString("en-US")} users)`, rows, () =>
      synth(db.url, { users, seed: 42, asOf: defaultAsOf(), append: false, allowRemote: false }));
    rows.push(["  rows", `${made.users} users, ${made.sessions} sessions, ${made.authEvents} auth events`]);
    const first = await timed("first pipeline run (full load)", rows, () => runPipeline(sql));
    for (const s of (await readRun(sql, first)).steps) rows.push([`  ${s.step_name} ${s.target ?? ""}`.trimEnd(), `${(s.seconds ?? 0).toFixed(1)} s`]);
    await sql.unsafe(fs.readFileSync(path.join(projectRoot, "sql", "bench", "change_one_percent.sql"), "utf8"));
    const second = await timed("incremental run after a 1% change", rows, () => runPipeline(sql));
    for (const s of (await readRun(sql, second)).steps) rows.push([`  ${s.step_name} ${s.target ?? ""}`.trimEnd(), `${(s.seconds ?? 0).toFixed(1)} s, rows out ${s.rows_out ?? "-"}`]);
    for (const q of ["daily_active_users", "lifecycle_distribution", "auth_method_adoption"]) {
      const text = fs.readFileSync(path.join(projectRoot, "sql", "analyst", `${q}.sql`), "utf8");
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await sql.begin(async (tx) => {
          await tx`set local role analyst_role`;
          await tx`set local search_path = marts`;
          await tx.unsafe(text);
        });
        times.push((performance.now() - started) / 1000);
      }
      rows.push([`seed query ${q} (max of 5)`, `${Math.max(...times).toFixed(2)} s`]);
    }
    console.log("\n" + rows.map(([k, v]) => `${k.padEnd(48)} ${v}`).join("\n"));
  } finally {
    await sql.end();
    db.stop();
  }
});
