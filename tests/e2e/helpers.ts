// Shared helpers for end-to-end tests: run the project's own npm scripts as a person would, and
// query the database they produced.
import assert from "node:assert/strict";
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

/** The non-blank lines of a script's output. */
export const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

/** A script's exit code and output, for an assertion's message. */
export const show = (r: ScriptResult) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** A user mistake or a failure: exactly one line on stderr, `error: …`, and no stack trace. */
export function assertOneErrorLine(r: ScriptResult, pattern: RegExp) {
  const errLines = lines(r.stderr);
  assert.equal(errLines.length, 1, `stderr should be one line:\n${show(r)}`);
  assert.match(errLines[0], /^error: /);
  assert.match(errLines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |node:internal|\.ts:\d+/, "no stack trace");
}

export function connect(url: string) {
  return postgres(url, { max: 2, onnotice: () => {} });
}


export { analystQuery, asAnalyst } from "../../scripts/lib/analyst.ts";
