// Shared helpers for end-to-end tests: run the project's own npm scripts as a person would, and
// query the database they produced.
import { spawnSync } from "node:child_process";
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


export { analystQuery, asAnalyst } from "../../scripts/lib/analyst.ts";
