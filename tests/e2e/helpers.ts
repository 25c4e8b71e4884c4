// Shared helpers for end-to-end tests: run the project's own npm scripts as a person would, and
// query the database they produced.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { projectRoot } from "../../scripts/lib/config.ts";

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run <script> -- <args>` from the project root with extra environment variables. */
export function npmRun(script: string, args: string[] = [], env: Record<string, string> = {}): ScriptResult {
  const res = spawnSync("npm", ["run", "-s", script, "--", ...args], {
    cwd: projectRoot,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 15 * 60 * 1000,
  });
  return { code: res.status ?? 1, stdout: res.stdout, stderr: res.stderr };
}

/** Like npmRun, but throws with the script's output when it fails. */
export function npmRunOk(script: string, args: string[] = [], env: Record<string, string> = {}): ScriptResult {
  const res = npmRun(script, args, env);
  if (res.code !== 0) throw new Error(`npm run ${script} failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
  return res;
}

export function connect(url: string) {
  return postgres(url, { max: 2, onnotice: () => {} });
}

/** Runs SQL as an analyst would: role analyst_role, unqualified names resolving in marts. */
export async function asAnalyst<T>(sql: ReturnType<typeof connect>, text: string): Promise<T[]> {
  return (await sql.begin(async (tx) => {
    await tx`set local role analyst_role`;
    await tx`set local search_path = marts`;
    return await tx.unsafe(text);
  })) as unknown as T[];
}

/** A file of sql/analyst, as written there. */
export function analystQuery(name: string): string {
  return fs.readFileSync(path.join(projectRoot, "sql", "analyst", `${name}.sql`), "utf8");
}
