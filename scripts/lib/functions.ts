// The Edge Functions served locally with Deno (functions/_local/serve.ts), as a child process: used by
// `npm run functions` and by tests. Every function is at <url>/functions/v1/<name>.
import { type ChildProcess, spawn } from "node:child_process";
import { projectRoot } from "./config.ts";

/** The shared secret npm run functions and npm run invoke use when WAREHOUSE_FUNCTION_SECRET is unset: local only. */
export const LOCAL_DEV_SECRET = "local-dev-secret";

export interface FunctionsServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Stops the server (the whole process group it started) and waits for it to exit. */
  stop: () => Promise<void>;
}

export interface StartFunctionsOptions {
  port: number;
  /** The functions' environment: SUPABASE_DB_URL, WAREHOUSE_FUNCTION_SECRET, SLACK_WEBHOOK_URL, … */
  env: Record<string, string | undefined>;
  /** Receives the server's output (its log); by default it is kept and shown only if it fails to start. */
  onOutput?: (chunk: string) => void;
  timeoutMs?: number;
}

/** Variables the functions read: only what the caller passes reaches them, never the caller's own shell. */
const functionVariables = [
  "SUPABASE_DB_URL",
  "SUPABASE_SERVICE_ROLE_KEY",
  "WAREHOUSE_FUNCTION_SECRET",
  "SLACK_WEBHOOK_URL",
  "WAREHOUSE_REPORT_URL",
  "FUNCTIONS_PORT",
];

export const denoServeArgs = [
  "--no-install", "deno", "run", "--allow-net", "--allow-env", "--allow-read", "--allow-write",
  "--config", "functions/deno.json", "functions/_local/serve.ts",
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    const force = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch { /* already gone */ }
    }, 5000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    try {
      process.kill(-child.pid, "SIGTERM"); // npx and the deno it started share the group
    } catch {
      clearTimeout(force);
      resolve();
    }
  });
}

/** Starts the functions on 127.0.0.1:<port> and resolves once the server answers HTTP. */
export async function startFunctions(opts: StartFunctionsOptions): Promise<FunctionsServer> {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const name of functionVariables) delete base[name];
  const child = spawn("npx", denoServeArgs, {
    cwd: projectRoot,
    env: { ...base, NO_COLOR: "1", ...opts.env, FUNCTIONS_PORT: String(opts.port) },
    detached: true, // its own process group, so stop() ends deno too, and only what this started
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 20_000) output = output.slice(-20_000);
    opts.onOutput?.(text);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  let exited: string | null = null;
  child.once("exit", (code, signal) => {
    exited = signal ? `signal ${signal}` : `code ${code}`;
  });
  child.once("error", (err) => {
    exited = err.message;
  });

  // If this process ends without stop() (a crash, process.exit), the server must not outlive it.
  const orphanGuard = () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    } catch { /* already gone */ }
  };
  process.once("exit", orphanGuard);
  child.once("exit", () => process.off("exit", orphanGuard));

  const url = `http://127.0.0.1:${opts.port}`;
  const stop = () => stopGroup(child);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exited !== null) {
      throw new Error(`the functions server exited (${exited}) before it answered:\n${output.trim()}`);
    }
    try {
      const res = await fetch(`${url}/functions/v1/`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      // 404 "no such function" is serve.ts answering; anything else on the port is someone else.
      if (res.status === 404 && /functions: /.test(output)) return { url, stop };
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`the functions server did not answer on ${url} within ${(opts.timeoutMs ?? 60_000) / 1000}s:\n${output.trim()}`);
}
